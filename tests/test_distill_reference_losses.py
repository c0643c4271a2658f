"""Path losses against the code the paper's numbers came from: each reference formula re-expressed here
independently (LD's KnowledgeDistillationKLDivLoss + LDHead, the seed authors' NST / FM / logits losses,
mmrazor's FBKD connectors and loss for Zhang & Ma's feature KD, mmrazor's PKDLoss),
run on the same random inputs, plus small cases worked out by hand."""
import math
import os

import pytest
import torch
import torch.nn.functional as F
from detectron2.modeling.meta_arch.retinanet import permute_to_N_HWA_K
from torch import nn

from adakd.distill import Distiller, DistillPath
from adakd.distill.losses import (
    AttentionGuidedFeatureKDLoss,
    FeatureMapLoss,
    L2LogitLoss,
    LocalizationDistillationLoss,
    NSTLoss,
    NSTMMDLoss,
    PKDLoss,
    SoftmaxRegressionLoss,
    SoftTargetLoss,
    TeacherBoundedRegressionLoss,
)


def _randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


class FakeRecorder:
    """Stands in for a FeatureRecorder: tap name -> tensor."""

    def __init__(self, outputs):
        self.outputs = outputs

    def get(self, tap):
        return self.outputs[tap]


# ------------------------------------------------------------------------------------------------- LD
def _reference_ld(student_levels, teacher_levels, score_levels, positive_levels, temperature=10.0):
    """LDHead.loss_by_feat_single + KnowledgeDistillationKLDivLoss, re-expressed: per level, positives'
    edges as rows (M*4, n_bins); kl_div(..., 'none').mean(1) * T^2; weight = the student's detached max
    sigmoid score expanded to the 4 edges; reduction 'mean' with avg_factor 4 = sum / 4; levels summed."""
    total = 0.0
    for s, t, z, pos in zip(student_levels, teacher_levels, score_levels, positive_levels):
        n, c, h, w = s.shape
        s_rows = s.permute(0, 2, 3, 1).reshape(-1, c)
        t_rows = t.permute(0, 2, 3, 1).reshape(-1, c)
        scores = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        idx = pos.reshape(-1).nonzero().squeeze(1)
        if len(idx) == 0:
            continue
        pred = s_rows[idx].reshape(-1, c // 4)
        soft = t_rows[idx].reshape(-1, c // 4)
        weight = scores.sigmoid().max(dim=1)[0][idx][:, None].expand(-1, 4).reshape(-1)
        kd = F.kl_div(F.log_softmax(pred / temperature, dim=1), F.softmax(soft / temperature, dim=1),
                      reduction="none").mean(1) * temperature**2
        total += float((kd * weight).sum() / 4.0)
    return total


def test_ld_matches_the_reference_head_over_levels_with_unequal_positives():
    bins, classes = 17, 3
    sizes = [(4, 4), (2, 2)]
    student = [_randn(2, 4 * bins, h, w, seed=i) * 3 for i, (h, w) in enumerate(sizes)]
    teacher = [_randn(2, 4 * bins, h, w, seed=10 + i) * 3 for i, (h, w) in enumerate(sizes)]
    scores = [_randn(2, classes, h, w, seed=20 + i) for i, (h, w) in enumerate(sizes)]
    positive = [(_randn(2, h, w, seed=30 + i) > 0.3).float() for i, (h, w) in enumerate(sizes)]
    assert positive[0].sum() != positive[1].sum()
    expected = _reference_ld(student, teacher, scores, positive)

    path = DistillPath("box", ["s:0", "s:1"], ["t:0", "t:1"], LocalizationDistillationLoss(temperature=10.0),
                       context_keys={"positive": "box_positive"}, student_context_taps={"score_logits": ["z:0", "z:1"]})
    path._adapters_built = True
    students = FakeRecorder({"s:0": student[0], "s:1": student[1], "z:0": scores[0], "z:1": scores[1]})
    teachers = FakeRecorder({"t:0": teacher[0], "t:1": teacher[1]})
    value = path(students, teachers, {"box_positive": positive})["box"]
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_ld_bin_mean_kl_student_score_weights_by_hand():
    # One position, 4 edges of 2 bins. Edge 0: student [0, 0] -> q = [1/2, 1/2], teacher [T log 3, 0] ->
    # p = [3/4, 1/4]; the other edges equal. KL = 3/4 log(3/2) + 1/4 log(1/2); averaged over the 2 bins.
    temperature = 2.0
    student = torch.zeros(1, 4, 2)
    teacher = torch.zeros(1, 4, 2)
    teacher[0, 0, 0] = temperature * math.log(3.0)
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    per_edge = temperature**2 * kl / 2
    score = torch.tensor([[0.0, math.log(3.0)]])  # max sigmoid 3/4
    loss = LocalizationDistillationLoss(temperature=temperature)
    assert float(loss(student, teacher)) == pytest.approx(per_edge / 4, rel=1e-6)
    assert float(loss(student, teacher, score_logits=score)) == pytest.approx(0.75 * per_edge / 4, rel=1e-6)
    # A sum over positions, not a mean: two identical positions give twice the loss.
    two = loss(student.repeat(2, 1, 1), teacher.repeat(2, 1, 1), positive=torch.ones(2))
    assert float(two) == pytest.approx(2 * per_edge / 4, rel=1e-6)
    assert float(loss(student, teacher, positive=torch.zeros(1))) == 0.0


def test_ld_is_17_times_smaller_than_a_bin_sum():
    student, teacher = _randn(5, 4, 17, seed=1) * 4, _randn(5, 4, 17, seed=2) * 4
    bin_sum = sum(
        float(F.kl_div(F.log_softmax(student[m, e] / 10, 0), F.softmax(teacher[m, e] / 10, 0), reduction="sum"))
        for m in range(5) for e in range(4)
    ) * 100 / 4
    assert float(LocalizationDistillationLoss()(student, teacher)) == pytest.approx(bin_sum / 17, rel=1e-5)


def test_ld_reference_images_weigh_a_batch_as_the_reference_weighed_its_two_images():
    # Two images (dense edge logits of one level), one positive each; then the same two images four times.
    student, teacher = _randn(2, 4 * 5, 3, 3, seed=3), _randn(2, 4 * 5, 3, 3, seed=4)
    positive = torch.zeros(2, 3, 3)
    positive[0, 1, 1] = positive[1, 2, 0] = 1
    plain, normalised = LocalizationDistillationLoss(), LocalizationDistillationLoss(reference_images=2)
    two = float(plain(student, teacher, positive=positive))
    assert float(normalised(student, teacher, positive=positive)) == pytest.approx(two, rel=1e-6)
    eight = [t.repeat(4, 1, 1, 1) for t in (student, teacher)] + [positive.repeat(4, 1, 1)]
    assert float(plain(*eight[:2], positive=eight[2])) == pytest.approx(4 * two, rel=1e-6)  # the reference's sum
    assert float(normalised(*eight[:2], positive=eight[2])) == pytest.approx(two, rel=1e-6)
    with pytest.raises(ValueError, match=r"reference_images needs dense .* got \(3, 4, 5\)"):
        normalised(torch.zeros(3, 4, 5), torch.zeros(3, 4, 5))
    with pytest.raises(ValueError, match="reference_images must be positive"):
        LocalizationDistillationLoss(reference_images=0)


def test_ld_bad_score_shape_names_the_culprit():
    with pytest.raises(ValueError, match=r"LocalizationDistillationLoss: score_logits"):
        LocalizationDistillationLoss()(torch.zeros(1, 8, 2, 2), torch.zeros(1, 8, 2, 2),
                                       score_logits=torch.zeros(1, 3, 2, 3))


# ----------------------------------------------------------------------------- pooled normalisation
def test_pooled_path_divides_by_the_positives_of_all_levels_together():
    # Level 0: one positive anchor with error 4 (delta 2 on one coordinate); level 1: three positives with
    # error 1 each. The teacher is exact everywhere, so every positive student is worse and counts.
    s0, t0, y0 = torch.tensor([[2.0, 0, 0, 0]]), torch.zeros(1, 4), torch.zeros(1, 4)
    s1, t1, y1 = torch.tensor([[1.0, 0, 0, 0]] * 3), torch.zeros(3, 4), torch.zeros(3, 4)
    loss = TeacherBoundedRegressionLoss()
    students = FakeRecorder({"a": s0, "b": s1})
    teachers = FakeRecorder({"a": t0, "b": t1})
    context = {"positive": [torch.ones(1), torch.ones(3)], "target": [y0, y1]}
    pooled = DistillPath("box", ["a", "b"], ["a", "b"], loss, context_keys=["positive", "target"])
    pooled._adapters_built = True
    assert float(pooled(students, teachers, context)["box"]) == pytest.approx((4 + 3) / 4)  # not 4/1 + 3/3
    layerwise = DistillPath("box", ["a", "b"], ["a", "b"], loss, context_keys=["positive", "target"], layerwise=True)
    layerwise._adapters_built = True
    terms = layerwise(students, teachers, context)
    assert float(terms["box.a"]) == pytest.approx(4.0) and float(terms["box.b"]) == pytest.approx(1.0)


def test_soft_targets_pool_locations_over_levels():
    s = [_randn(1, 3, 2, 2, seed=50), _randn(1, 3, 1, 1, seed=51)]
    t = [_randn(1, 3, 2, 2, seed=52), _randn(1, 3, 1, 1, seed=53)]
    per_location = []
    for a, b in zip(s, t):
        for i in range(a.shape[2]):
            for j in range(a.shape[3]):
                per_location.append(float(F.kl_div(F.log_softmax(a[0, :, i, j], 0), F.softmax(b[0, :, i, j], 0),
                                                   reduction="sum")))
    path = DistillPath("st", ["a", "b"], ["a", "b"], SoftTargetLoss(temperature=1.0))
    path._adapters_built = True
    value = path(FakeRecorder({"a": s[0], "b": s[1]}), FakeRecorder({"a": t[0], "b": t[1]}))["st"]
    assert float(value) == pytest.approx(sum(per_location) / 5, rel=1e-5)


# --------------------------------------------------------------------------- teacher-bounded regression
def test_teacher_bounded_regression_case_split_by_hand():
    target = torch.zeros(3, 4)
    # Anchor 0: student error 1 < teacher error 4 -> bounded out (0). Anchor 1: student error 4 > teacher
    # error 1 -> counts 4. Anchor 2: student 1, teacher 1.5: out with margin 0, in with margin 1.
    student = torch.tensor([[1.0, 0, 0, 0], [2.0, 0, 0, 0], [1.0, 0, 0, 0]], requires_grad=True)
    teacher = torch.tensor([[2.0, 0, 0, 0], [1.0, 0, 0, 0], [math.sqrt(1.5), 0, 0, 0]])
    positive = torch.ones(3)
    value = TeacherBoundedRegressionLoss()(student, teacher, positive=positive, target=target)
    assert float(value) == pytest.approx(4 / 3)
    value.backward()
    assert student.grad[0].abs().sum() == 0 and student.grad[2].abs().sum() == 0
    assert float(student.grad[1, 0]) == pytest.approx(2 * 2.0 / 3)  # d/ds (s - y)^2 / 3 towards the ground truth
    with_margin = TeacherBoundedRegressionLoss(margin=1.0)(student, teacher, positive=positive, target=target)
    assert float(with_margin) == pytest.approx((4 + 1) / 3)
    # Negatives drop out of both sum and count.
    only_first_two = TeacherBoundedRegressionLoss()(student, teacher, positive=torch.tensor([1.0, 1.0, 0]), target=target)
    assert float(only_first_two) == pytest.approx(4 / 2)


def test_teacher_bounded_regression_dense_follows_detectron2_anchor_order():
    # (N, A*4, H, W) with A = 2, H = 2, W = 3; target / positive (N, H, W, A[, 4]). Channel 6 is anchor 1, delta 2
    # in detectron2's (anchor, delta) order and anchor 0 in a (delta, anchor) order; location (0, 2) is flat index
    # 2 in (H, W) order and 4 in (W, H) order: a layout or an H/W swap moves the error off the positive.
    student = torch.zeros(1, 8, 2, 3)
    student[0, 4 + 2, 0, 2] = 2.0
    positive = torch.zeros(1, 2, 3, 2)
    positive[0, 0, 2, 1] = 1.0
    teacher = torch.zeros_like(student)  # exact: the student's error 4 there counts
    target = torch.zeros(1, 2, 3, 2, 4)
    value = TeacherBoundedRegressionLoss()(student, teacher, positive=positive, target=target)
    assert float(value) == pytest.approx(4.0)
    # Ported: detectron2's own flattening of a RetinaNet head output, error where the positive says.
    flat = permute_to_N_HWA_K(student, 4).reshape(-1, 4)
    chosen = positive.reshape(-1) > 0
    assert float(((flat[chosen] - target.reshape(-1, 4)[chosen]) ** 2).sum()) == pytest.approx(float(value))
    with pytest.raises(ValueError, match="TeacherBoundedRegressionLoss: needs the ground-truth deltas"):
        TeacherBoundedRegressionLoss()(student, teacher)


# ------------------------------------------------------------------------------------ classification
def test_l2_logit_is_the_official_mse_and_k_over_2_times_smaller_than_ba_caruana():
    student, teacher = _randn(4, 10, seed=60), _randn(4, 10, seed=61)
    official = float(((student - teacher) ** 2).sum() / 40)
    assert float(L2LogitLoss()(student, teacher)) == pytest.approx(official, rel=1e-6)
    ba_caruana = float(0.5 * ((student - teacher) ** 2).sum(1).mean())
    assert ba_caruana / float(L2LogitLoss()(student, teacher)) == pytest.approx(0.5 * 10, rel=1e-5)


def _reference_nst(fm_s, fm_t):
    """The seed authors' NST, re-expressed: channel rows L2-normalised over positions, Gram matrices, MSE."""
    s = fm_s.reshape(fm_s.shape[0], fm_s.shape[1], -1)
    t = fm_t.reshape(fm_t.shape[0], fm_t.shape[1], -1)
    s = s / s.norm(dim=2, keepdim=True)
    t = t / t.norm(dim=2, keepdim=True)
    gs = torch.einsum("ncp,ndp->ncd", s, s)
    gt = torch.einsum("ncp,ndp->ncd", t, t)
    return float(((gs - gt) ** 2).sum() / gs.numel())


def test_nst_is_the_gram_matrix_mse_and_sees_a_channel_permutation():
    student, teacher = _randn(2, 4, 3, 3, seed=70), _randn(2, 4, 3, 3, seed=71)
    assert float(NSTLoss()(student, teacher)) == pytest.approx(_reference_nst(student, teacher), rel=1e-5)
    permuted = student[:, [2, 0, 3, 1]]
    # Huang & Wang's MMD does not see which channel is which; the official Gram MSE does.
    assert float(NSTMMDLoss()(student, permuted)) == pytest.approx(0.0, abs=1e-6)
    assert float(NSTLoss()(student, permuted)) > 1e-3
    assert float(NSTLoss()(student, permuted)) == pytest.approx(_reference_nst(student, permuted), rel=1e-5)


def test_nst_gram_by_hand():
    # Student: 2 channels over 2 positions, [1, 0] and [0, 1] -> Gram = identity. Teacher: both [1, 0] ->
    # Gram = all ones. Squared differences 0, 1, 1, 0: mean 1/2.
    student = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])
    teacher = torch.tensor([[[[1.0, 0.0]], [[1.0, 0.0]]]])
    assert float(NSTLoss()(student, teacher)) == pytest.approx(0.5)


class Stages(nn.Module):
    """Four 'stages' of growing width, a pooled head with a linear classifier (an ImageClassifier stand-in)."""

    def __init__(self, widths, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.s1, self.s2 = nn.Conv2d(3, widths[0], 1), nn.Conv2d(widths[0], widths[1], 1)
        self.s3, self.s4 = nn.Conv2d(widths[1], widths[2], 1), nn.Conv2d(widths[2], widths[3], 1)
        self.linear = nn.Linear(widths[3], 5)

    def forward(self, x):
        x = self.s4(self.s3(self.s2(self.s1(x))))
        return self.linear(x.mean(dim=(2, 3)))


def test_fm_sums_four_stages_through_conv_bn_adapters_shared_with_sr():
    student, teacher = Stages([2, 3, 4, 5], seed=0), Stages([4, 6, 8, 10], seed=1)
    taps = ["s1", "s2", "s3", "s4"]
    fm = DistillPath("fm", taps, taps, FeatureMapLoss())
    sr = DistillPath("sr", "s4", "s4", SoftmaxRegressionLoss("linear", teacher_input="feature_map"), adapters_from="fm")
    distiller = Distiller(student, teacher, [fm, sr], dict(method="equal"))
    x = _randn(2, 3, 4, 4, seed=80)
    distiller.build_adapters(lambda: (student(x), teacher(x)))
    assert sr.adapters["0"] is fm.adapters["3"]
    adapter = fm.adapters["3"].proj
    assert isinstance(adapter, nn.Conv2d) and adapter.kernel_size == (1, 1) and isinstance(adapter.norm, nn.BatchNorm2d)
    # One copy of the shared adapter's parameters reaches the optimizer.
    assert len({id(p) for p in distiller.parameters()}) == len(list(distiller.parameters()))

    distiller.train()
    student(x)
    with torch.no_grad():
        teacher(x)
    terms = distiller.path_losses()
    # By hand: the official FM per stage (mean over N*C of the squared gap of spatial means), summed.
    s_feats, t_feats, h, th = [], [], x, x
    for i, name in enumerate(taps):
        h, th = getattr(student, name)(h), getattr(teacher, name)(th)
        s_feats.append(fm.adapters[str(i)](h))
        t_feats.append(th)
    expected_fm = sum(float(((s.mean((2, 3)) - t.mean((2, 3))) ** 2).mean()) for s, t in zip(s_feats, t_feats))
    assert float(terms["fm"]) == pytest.approx(expected_fm, rel=1e-5)
    cross = teacher.linear(s_feats[-1].mean((2, 3)))
    expected_sr = float(((cross - teacher.linear(t_feats[-1].mean((2, 3)))) ** 2).mean())
    assert float(terms["sr"]) == pytest.approx(expected_sr, rel=1e-5)
    distiller.clear()


def test_adapters_from_must_name_an_earlier_path():
    student, teacher = Stages([2, 3, 4, 5], seed=0), Stages([4, 6, 8, 10], seed=1)
    sr = DistillPath("sr", "s4", "s4", SoftmaxRegressionLoss("linear", teacher_input="feature_map"), adapters_from="fm")
    with pytest.raises(ValueError, match="shares the adapters of path 'fm'"):
        Distiller(student, teacher, [sr], dict(method="equal"))


# ------------------------------------------------------------- Zhang & Ma's feature KD ([75], FBKD)
def _reference_non_local(x, block):
    """The non-local block of the FBKD connectors, re-expressed with the block's weights: 1x1 convs theta,
    phi, g; phi and g max-pooled by the stride; dot-product pairwise / number of keys; W = conv + BN (batch
    statistics, training mode); residual."""
    n, c, h, w = x.shape
    inner = block.inner_channels

    def conv(m, t):
        return torch.einsum("oc,nchw->nohw", m.weight[:, :, 0, 0], t) + (0 if m.bias is None else m.bias[None, :, None, None])

    theta = conv(block.theta, x).reshape(n, inner, h * w)
    phi = F.max_pool2d(conv(block.phi, x), block.pool_stride).reshape(n, inner, -1)
    g = F.max_pool2d(conv(block.g, x), block.pool_stride).reshape(n, inner, -1)
    relation = torch.einsum("nci,ncj->nij", theta, phi) / phi.shape[-1]
    y = torch.einsum("nij,ncj->nci", relation, g).reshape(n, inner, h, w)
    z = conv(block.out, y)
    mean = z.mean(dim=(0, 2, 3), keepdim=True)
    var = z.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    z = (z - mean) / torch.sqrt(var + block.out_norm.eps)
    return x + z * block.out_norm.weight[None, :, None, None] + block.out_norm.bias[None, :, None, None]


def _reference_fbkd(student, teacher, loss, temperature=0.5):
    """mmrazor's FBKDStudentConnector / FBKDTeacherConnector + FBKDLoss at their defaults, re-expressed:
    masks H*W*softmax(mean|F|/T) of both models averaged (spatial only), the masked L2 norm x 7e-5, the
    channel and spatial pooled-feature distances x 4e-3 each, the non-local distance x 7e-5."""
    def spatial_mask(x):
        score = x.abs().mean(1).flatten(1) / temperature
        return (x.shape[2] * x.shape[3] * score.softmax(1)).reshape(x.shape[0], 1, x.shape[2], x.shape[3])

    mask = (spatial_mask(teacher) + spatial_mask(student)) / 2
    adapted = F.conv2d(student, loss.feature_adaptation.weight, loss.feature_adaptation.bias)
    feature = torch.sqrt(((teacher - adapted) ** 2 * mask).sum()) * 7e-5
    channel_s = student.mean((2, 3)) @ loss.channel_adaptation.weight.T + loss.channel_adaptation.bias
    channel = torch.sqrt(((teacher.mean((2, 3)) - channel_s) ** 2).sum()) * 4e-3
    spatial_s = F.conv2d(student.mean(1, keepdim=True), loss.spatial_adaptation.weight, loss.spatial_adaptation.bias, padding=1)
    spatial = torch.sqrt(((teacher.mean(1, keepdim=True) - spatial_s) ** 2).sum()) * 4e-3
    relation_s = F.conv2d(_reference_non_local(student, loss.student_non_local), loss.non_local_adaptation.weight,
                          loss.non_local_adaptation.bias)
    relation_t = _reference_non_local(teacher, loss.teacher_non_local)
    non_local = torch.sqrt(((relation_t - relation_s) ** 2).sum()) * 7e-5
    return float((feature + channel + spatial + non_local).detach())


def _randomise(module, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.3)


@pytest.mark.parametrize("student_channels", [8, 6])
def test_fbkd_matches_the_reference_connectors_and_loss(student_channels):
    loss = AttentionGuidedFeatureKDLoss(pool_stride=2, reduction=2).build(student_channels, 8)
    _randomise(loss, seed=90)  # the non-local branch (zero-initialised BN scale) contributes too
    student, teacher = _randn(2, student_channels, 6, 4, seed=91) * 2, _randn(2, 8, 6, 4, seed=92) * 2
    expected = _reference_fbkd(student, teacher, loss)
    assert float(loss(student, teacher)) == pytest.approx(expected, rel=1e-5)


def test_fbkd_masks_average_both_models_by_hand():
    # One channel, two positions, an identity adaptation; only the feature term. Teacher [1, 0] and student
    # [0, 2]: spatial masks 2 softmax([1, 0] / T) and 2 softmax([0, 2] / T); the loss uses their mean.
    def feature_only(temperature, **kwargs):
        loss = AttentionGuidedFeatureKDLoss(temperature, channel_weight=0, spatial_weight=0, non_local_weight=0,
                                            feature_weight=1.0, **kwargs).build(1, 1)
        with torch.no_grad():
            loss.feature_adaptation.weight.fill_(1.0)
            loss.feature_adaptation.bias.zero_()
        return loss

    teacher = torch.tensor([1.0, 0.0]).reshape(1, 1, 1, 2)
    student = torch.tensor([0.0, 2.0]).reshape(1, 1, 1, 2)
    for temperature in (1.0, 2.0):
        a, b = math.exp(1 / temperature), math.exp(2 / temperature)
        mask_t = [2 * a / (a + 1), 2 / (a + 1)]
        mask_s = [2 / (1 + b), 2 * b / (1 + b)]
        both = [(x + y) / 2 for x, y in zip(mask_t, mask_s)]
        expected = math.sqrt(both[0] * 1 + both[1] * 4)  # differences 1 and -2
        teacher_only = math.sqrt(mask_t[0] * 1 + mask_t[1] * 4)
        assert abs(expected - teacher_only) > 0.1
        assert float(feature_only(temperature)(student, teacher)) == pytest.approx(expected, rel=1e-6)

    # Channel masks (the authors' one-stage variant): two channels at one position, teacher [1, 0], student
    # [0, 2], T = 1: channel masks 2 softmax([1, 0]) and 2 softmax([0, 2]), averaged.
    teacher = torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1)
    student = torch.tensor([0.0, 2.0]).reshape(1, 2, 1, 1)
    loss = AttentionGuidedFeatureKDLoss(1.0, channel_weight=0, spatial_weight=0, non_local_weight=0,
                                        feature_weight=1.0, channel_mask=True).build(2, 2)
    with torch.no_grad():
        loss.feature_adaptation.weight.copy_(torch.eye(2)[:, :, None, None])
        loss.feature_adaptation.bias.zero_()
    a, b = math.e, math.e**2
    both = [(2 * a / (a + 1) + 2 / (1 + b)) / 2, (2 / (a + 1) + 2 * b / (1 + b)) / 2]
    assert float(loss(student, teacher)) == pytest.approx(math.sqrt(both[0] * 1 + both[1] * 4), rel=1e-6)
    loss.channel_mask = False  # spatial mask only (one position: 1): the plain L2 norm
    assert float(loss(student, teacher)) == pytest.approx(math.sqrt(5), rel=1e-6)


def test_fbkd_attention_terms_by_hand():
    # Identity channel (Linear) and spatial (3x3 centre 1) adaptations; teacher channel 0 = [1, 3], channel
    # 1 = [0, 0]; student 0. Channel pooled: [2, 0] -> distance 2. Spatial pooled: [0.5, 1.5] -> sqrt(2.5).
    loss = AttentionGuidedFeatureKDLoss(feature_weight=0, non_local_weight=0, channel_weight=1.0,
                                        spatial_weight=10.0).build(2, 2)
    with torch.no_grad():
        loss.channel_adaptation.weight.copy_(torch.eye(2))
        loss.channel_adaptation.bias.zero_()
        loss.spatial_adaptation.weight.zero_()
        loss.spatial_adaptation.weight[0, 0, 1, 1] = 1.0
        loss.spatial_adaptation.bias.zero_()
    teacher = torch.tensor([[[[1.0, 3.0]], [[0.0, 0.0]]]])
    assert float(loss(torch.zeros(1, 2, 1, 2), teacher)) == pytest.approx(2 + 10 * math.sqrt(2.5), rel=1e-6)


def test_fbkd_non_local_starts_as_identity_and_its_modules_get_gradients():
    loss = AttentionGuidedFeatureKDLoss().build(4, 4)
    x = _randn(2, 4, 5, 3, seed=93)  # 5 x 3 with stride 2: keys on a 2 x 1 grid
    assert torch.allclose(loss.teacher_non_local(x), x)
    loss(_randn(2, 4, 5, 3, seed=94).requires_grad_(), x).backward()
    for name in ("student_non_local.out_norm.weight", "teacher_non_local.out_norm.weight",
                 "non_local_adaptation.weight", "feature_adaptation.weight", "spatial_adaptation.weight"):
        assert dict(loss.named_parameters())[name].grad.abs().sum() > 0, name


def test_fbkd_bad_input_names_the_culprit():
    loss = AttentionGuidedFeatureKDLoss()
    with pytest.raises(ValueError, match="AttentionGuidedFeatureKDLoss: call build"):
        loss(torch.zeros(1, 4, 2, 2), torch.zeros(1, 4, 2, 2))
    loss.build(3, 4)
    with pytest.raises(ValueError, match=r"AttentionGuidedFeatureKDLoss: expected student \(N, 3, H, W\).*teacher \(1, 4, 2, 3\)"):
        loss(torch.zeros(1, 3, 2, 2), torch.zeros(1, 4, 2, 3))
    with pytest.raises(ValueError, match="AttentionGuidedFeatureKDLoss: student must have 4 dims"):
        loss(torch.zeros(1, 3), torch.zeros(1, 4, 2, 2))
    with pytest.raises(ValueError, match="channel_mask needs equal widths"):
        AttentionGuidedFeatureKDLoss(channel_mask=True).build(3, 4)


def test_fbkd_path_builds_one_loss_per_level_and_sums_them():
    student = {"a": _randn(2, 3, 4, 4, seed=95), "b": _randn(2, 3, 2, 2, seed=96)}
    teacher = {"a": _randn(2, 5, 4, 4, seed=97), "b": _randn(2, 5, 2, 2, seed=98)}
    losses = [AttentionGuidedFeatureKDLoss(pool_stride=4, reduction=4), AttentionGuidedFeatureKDLoss()]
    path = DistillPath("feats", ["a", "b"], ["a", "b"], losses, adapter=False)
    path.build_adapters(FakeRecorder(student), FakeRecorder(teacher))
    assert len(path.adapters) == 0 and path.loss[0].student_non_local.pool_stride == 4
    assert path.loss[1].feature_adaptation.weight.shape == (5, 3, 1, 1)
    value = path(FakeRecorder(student), FakeRecorder(teacher))["feats"]
    expected = sum(float(path.loss[i](student[k], teacher[k])) for i, k in enumerate("ab"))
    assert float(value) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="2 losses for 1 layers"):
        DistillPath("feats", ["a"], ["a"], losses)


# ------------------------------------------------------------------------------------------------ PKD
def _reference_pkd(student, teacher, loss_weight=1.0):
    """mmrazor's PKDLoss, re-expressed: per channel over (N, H, W), (x - mean) / (unbiased std + 1e-6); then
    F.mse_loss(norm_S, norm_T) / 2 times the loss weight (same spatial sizes: no resize)."""
    def norm(x):
        n, c, h, w = x.shape
        flat = x.permute(1, 0, 2, 3).reshape(c, -1)
        flat = (flat - flat.mean(dim=-1, keepdim=True)) / (flat.std(dim=-1, keepdim=True) + 1e-6)
        return flat.reshape(c, n, h, w).permute(1, 0, 2, 3)

    return F.mse_loss(norm(student), norm(teacher)) / 2 * loss_weight


def test_pkd_matches_the_reference_and_its_gradient():
    student = (_randn(3, 5, 4, 6, seed=0) * 3 + 1).requires_grad_()
    teacher = _randn(3, 5, 4, 6, seed=1) * torch.arange(1.0, 6.0)[:, None, None]  # channels of other scales
    ours = PKDLoss()(student, teacher)
    (grad,) = torch.autograd.grad(ours, student)
    reference = _reference_pkd(student, teacher)
    (reference_grad,) = torch.autograd.grad(reference, student)
    assert float(ours / reference) == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(grad, reference_grad, rtol=1e-5, atol=1e-8)


def test_pkd_is_one_minus_the_pearson_correlation_per_channel():
    """(M-1)/M * mean_c (1 - r_c), with r_c numpy's correlation coefficient of channel c over its M values."""
    import numpy as np

    student, teacher = _randn(2, 3, 5, 5, seed=2).double(), _randn(2, 3, 5, 5, seed=3).double()
    teacher[:, 1] = 0.5 * student[:, 1] + 0.1 * teacher[:, 1]  # one channel strongly correlated
    m = 2 * 5 * 5
    r = [np.corrcoef(student[:, c].flatten().numpy(), teacher[:, c].flatten().numpy())[0, 1] for c in range(3)]
    expected = (m - 1) / m * np.mean([1 - rc for rc in r])
    assert float(PKDLoss(eps=0.0)(student, teacher)) == pytest.approx(expected, rel=1e-12)
    assert float(PKDLoss()(student, teacher)) == pytest.approx(expected, rel=1e-5)  # the reference's eps


def test_pkd_ignores_a_positive_per_channel_affine_map_of_either_input():
    student, teacher = _randn(2, 4, 3, 3, seed=4).double(), _randn(2, 4, 3, 3, seed=5).double()
    scale = torch.tensor([0.01, 1.0, 7.0, 300.0], dtype=torch.double)[None, :, None, None]
    shift = torch.tensor([-5.0, 0.0, 2.0, 40.0], dtype=torch.double)[None, :, None, None]
    loss = PKDLoss(eps=0.0)
    base = float(loss(student, teacher))
    assert float(loss(student * scale + shift, teacher)) == pytest.approx(base, rel=1e-10)
    assert float(loss(student, teacher * scale + shift)) == pytest.approx(base, rel=1e-10)
    # A negative scale reverses the correlation of that channel: the loss changes.
    flipped = torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.double)[None, :, None, None]
    assert float(loss(student * flipped, teacher)) != pytest.approx(base, rel=1e-3)
    assert float(loss(teacher * scale + shift, teacher)) == pytest.approx(0.0, abs=1e-12)  # r = 1 everywhere


def test_pkd_bad_input_names_the_culprit():
    with pytest.raises(ValueError, match=r"PKDLoss: student and teacher shapes must match, got student "
                                         r"\(2, 4, 3, 3\) and teacher \(2, 8, 3, 3\)"):
        PKDLoss()(torch.zeros(2, 4, 3, 3), torch.zeros(2, 8, 3, 3))
    with pytest.raises(ValueError, match=r"PKDLoss: a channel needs at least 2 values .* got shape \(1, 4, 1, 1\)"):
        PKDLoss()(torch.zeros(1, 4, 1, 1), torch.zeros(1, 4, 1, 1))
    with pytest.raises(ValueError, match=r"PKDLoss: student must have 4 dims"):
        PKDLoss()(torch.zeros(2, 4), torch.zeros(2, 4))


def test_pkd_path_sums_its_levels_and_only_the_student_gets_gradients():
    levels = ["p3", "p4", "p5"]
    student = {f"backbone:{p}": _randn(2, 4, 8 >> i, 8 >> i, seed=10 + i).requires_grad_() for i, p in enumerate(levels)}
    teacher = {f"backbone:{p}": _randn(2, 4, 8 >> i, 8 >> i, seed=20 + i).requires_grad_() for i, p in enumerate(levels)}
    path = DistillPath("pkd", list(student), list(teacher), loss=PKDLoss())
    total = path(FakeRecorder(student), FakeRecorder(teacher))["pkd"]
    assert float(total) == pytest.approx(sum(float(_reference_pkd(student[k], teacher[k])) for k in student), rel=1e-6)
    total.backward()
    assert all(t.grad is None for t in teacher.values()) and all(s.grad.abs().sum() > 0 for s in student.values())


# -------------------------------------------------------------------------------------------- CrossKD
def _reference_crosskd(student_head, teacher_head, student_levels, teacher_levels, positives, idx=3):
    """CrossKDGFL (forward_crosskd_single, reuse_teacher_head, align_scale, loss_by_feat's KD part,
    pred_mimicking_loss_single) with mmdet's KDQualityFocalLoss (beta 1), KnowledgeDistillationKLDivLoss
    (class_reduction 'sum', T 1, weight 3, avg_factor 4), GIoULoss (weight 2, avg_factor 1, eps 1e-6) and
    DistancePointBBoxCoder on real anchor centres, re-expressed for towers of [conv, GN, ReLU] modules."""
    reg_max, hold = teacher_head.reg_max, 3 * idx - 2

    def run_holding(head, x, level):
        out = []
        for tower in (head.cls_subnet, head.bbox_subnet):
            feat, held = x, None
            for j, layer in enumerate(tower):
                feat = layer(feat)
                if j == hold:
                    held = feat
            out.append((feat, held))
        (cls_feat, cls_held), (reg_feat, reg_held) = out
        return head.cls_score(cls_feat), head.scales[level](head.bbox_pred(reg_feat)), cls_held, reg_held

    def align_scale(s, t):
        n, c, h, w = s.shape
        s = s.permute(1, 0, 2, 3).reshape(c, -1)
        s = (s - s.mean(dim=-1, keepdim=True)) / (s.std(dim=-1, keepdim=True) + 1e-6)
        t = t.permute(1, 0, 2, 3).reshape(c, -1)
        s = s * t.std(dim=-1, keepdim=True) + t.mean(dim=-1, keepdim=True)
        return s.reshape(c, n, h, w).permute(1, 0, 2, 3)

    def giou(a, b, eps=1e-6):
        area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        wh = (torch.min(a[:, 2:], b[:, 2:]) - torch.max(a[:, :2], b[:, :2])).clamp(min=0)
        overlap = wh[:, 0] * wh[:, 1]
        union = (area_a + area_b - overlap).clamp(min=eps)
        enclose_wh = (torch.max(a[:, 2:], b[:, 2:]) - torch.min(a[:, :2], b[:, :2])).clamp(min=0)
        enclose = (enclose_wh[:, 0] * enclose_wh[:, 1]).clamp(min=eps)
        return overlap / union - (enclose - union) / enclose

    avg_factor = max(float(sum(p.sum() for p in positives)), 1.0)
    cls_kd, reg_kd, bbox_kd, kd_avg_factor = [], [], [], 0.0
    for level, (s_x, t_x) in enumerate(zip(student_levels, teacher_levels)):
        with torch.no_grad():
            t_cls, t_box, t_cls_hold, t_reg_hold = run_holding(teacher_head, t_x, level)
        _, _, s_cls_hold, s_reg_hold = run_holding(student_head, s_x, level)
        c = F.relu(align_scale(s_cls_hold, t_cls_hold))
        r = F.relu(align_scale(s_reg_hold, t_reg_hold))
        for j in range(3 * idx, len(teacher_head.cls_subnet)):
            c, r = teacher_head.cls_subnet[j](c), teacher_head.bbox_subnet[j](r)
        reused_cls, reused_box = teacher_head.cls_score(c), teacher_head.scales[level](teacher_head.bbox_pred(r))

        k = t_cls.shape[1]
        t_rows, r_rows = t_cls.permute(0, 2, 3, 1).reshape(-1, k), reused_cls.permute(0, 2, 3, 1).reshape(-1, k)
        target = t_rows.sigmoid()
        qfl = F.binary_cross_entropy_with_logits(r_rows, target, reduction="none") * (r_rows.sigmoid() - target).abs()
        cls_kd.append(qfl.sum() / avg_factor)

        t_bins = t_box.permute(0, 2, 3, 1).reshape(-1, reg_max + 1)
        r_bins = reused_box.permute(0, 2, 3, 1).reshape(-1, reg_max + 1)
        reg_weights = t_rows.max(dim=1)[0].sigmoid()
        kl = F.kl_div(F.log_softmax(r_bins, dim=1), F.softmax(t_bins, dim=1), reduction="none").sum(1)
        reg_kd.append(3.0 * (kl * reg_weights[:, None].expand(-1, 4).reshape(-1)).sum() / 4.0)

        n, _, h, w = t_box.shape
        stride = 8 * 2**level
        ys, xs = torch.meshgrid(torch.arange(h) * stride, torch.arange(w) * stride, indexing="ij")
        centres = (torch.stack([xs, ys], dim=-1).reshape(-1, 2).float().repeat(n, 1) + stride / 2) / stride
        project = torch.arange(reg_max + 1, dtype=torch.float)
        t_d = (F.softmax(t_bins, dim=1) @ project).reshape(-1, 4)
        r_d = (F.softmax(r_bins, dim=1) @ project).reshape(-1, 4)
        decode = lambda d: torch.cat([centres - d[:, :2], centres + d[:, 2:]], dim=1)  # noqa: E731
        bbox_kd.append(2.0 * ((1 - giou(decode(r_d), decode(t_d))) * reg_weights).sum())
        kd_avg_factor = kd_avg_factor + reg_weights.sum()
    return sum(cls_kd) + sum(reg_kd) / kd_avg_factor + sum(bbox_kd) / kd_avg_factor


def _crosskd_heads_and_levels(seed=0, channels=32, num_classes=3, reg_max=7):
    from detectron2.layers import ShapeSpec

    from adakd.modeling.meta_arch.gfl import GFLHead

    torch.manual_seed(seed)
    shapes = [ShapeSpec(channels=channels, stride=8 * 2**i) for i in range(3)]
    heads = [GFLHead(input_shape=shapes, num_classes=num_classes, conv_dims=[channels] * 4, reg_max=reg_max)
             for _ in range(2)]
    for head in heads:  # away from the 0.01-std initialisation, so that every term is far from zero, and GN
        for module in head.modules():  # scales and shifts that give each held channel a mean and std of its own
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, std=0.2)
            elif isinstance(module, nn.GroupNorm):
                nn.init.uniform_(module.weight, 0.3, 3.0)
                nn.init.normal_(module.bias, std=1.0)
        for i, scale in enumerate(head.scales):
            scale.scale.data.fill_(0.5 + 0.25 * i)
    student_levels = [_randn(2, channels, 6 >> i, 6 >> i, seed=30 + i).requires_grad_() for i in range(3)]
    teacher_levels = [_randn(2, channels, 6 >> i, 6 >> i, seed=40 + i) for i in range(3)]
    positives = [(_randn(2, 6 >> i, 6 >> i, seed=50 + i) > 1.0).float() for i in range(3)]
    return heads, student_levels, teacher_levels, positives


def _crosskd_taps_of(head, levels, teacher):
    """What the crosskd path's taps read: held features of both towers per level (+ the teacher's predictions)."""
    from adakd.distill.taps import FeatureRecorder

    taps = [f"head.{t}.7@{i}" for t in ("cls_subnet", "bbox_subnet") for i in range(len(levels))]
    extra = [f"head:{o}:{i}" for o in (0, 1) for i in range(len(levels))] if teacher else []
    holder = nn.Module()
    holder.head = head
    recorder = FeatureRecorder(holder, taps + extra)
    holder.head(levels)
    return tuple(recorder.get(t) for t in taps + extra)


def test_crosskd_matches_the_reference_and_its_gradients():
    from adakd.distill.losses import CrossKDGFLLoss

    (student_head, teacher_head), student_levels, teacher_levels, positives = _crosskd_heads_and_levels()
    teacher = nn.Module()
    teacher.head = teacher_head
    for p in teacher_head.parameters():
        p.requires_grad_(False)
    loss = CrossKDGFLLoss()
    loss.bind_teacher(teacher)
    with torch.no_grad():
        teacher_taps = _crosskd_taps_of(teacher_head, teacher_levels, teacher=True)
    ours = loss(_crosskd_taps_of(student_head, student_levels, teacher=False), teacher_taps, positive=positives)
    ours_grads = torch.autograd.grad(ours, student_levels)
    reference = _reference_crosskd(student_head, teacher_head, student_levels, teacher_levels, positives)
    reference_grads = torch.autograd.grad(reference, student_levels)
    assert float(reference) > 0.1 and float(ours / reference) == pytest.approx(1.0, abs=1e-5)
    for a, b in zip(ours_grads, reference_grads):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-7)
    assert all(p.grad is None for p in teacher_head.parameters())  # the teacher's layers stay frozen
    assert list(loss.state_dict()) == []  # ... and are no part of the loss's (the student's) state


def test_crosskd_is_zero_when_the_student_holds_the_teachers_features():
    from adakd.distill.losses import CrossKDGFLLoss

    (_, teacher_head), _, teacher_levels, positives = _crosskd_heads_and_levels(seed=1)
    teacher = nn.Module()
    teacher.head = teacher_head
    loss = CrossKDGFLLoss()
    loss.bind_teacher(teacher)
    with torch.no_grad():
        taps = _crosskd_taps_of(teacher_head, teacher_levels, teacher=True)
        assert float(loss(taps[:6], taps, positive=positives)) == pytest.approx(0.0, abs=1e-5)
        moved = tuple(t + 0.3 for t in taps[:6])  # a per-channel shift: aligned away, still zero
        assert float(loss(moved, taps, positive=positives)) == pytest.approx(0.0, abs=1e-5)
        other = tuple(t.flip(-1) for t in taps[:6])  # the same values at other places: not zero
        assert float(loss(other, taps, positive=positives)) > 1e-2


def test_crosskd_bad_input_names_the_culprit():
    from adakd.distill.losses import CrossKDGFLLoss

    (_, teacher_head), _, teacher_levels, positives = _crosskd_heads_and_levels(seed=2)
    teacher = nn.Module()
    teacher.head = teacher_head
    with pytest.raises(ValueError, match=r"CrossKDGFLLoss: no teacher head bound"):
        CrossKDGFLLoss()((), (), positive=positives)
    with pytest.raises(ValueError, match=r"CrossKDGFLLoss: the teacher's head.cls_subnet\[8\] must be followed by a "
                                         r"ReLU \(held_layer is the norm before a conv's ReLU\), got Conv2d"):
        CrossKDGFLLoss(held_layer=8).bind_teacher(teacher)
    loss = CrossKDGFLLoss()
    loss.bind_teacher(teacher)
    with torch.no_grad():
        taps = _crosskd_taps_of(teacher_head, teacher_levels, teacher=True)
    with pytest.raises(ValueError, match=r"expected 2 student and 4 teacher taps per level for 3 levels, got 5 and 12"):
        loss(taps[:5], taps, positive=positives)
    narrow = tuple(t[:, :16] for t in taps[:6])
    with pytest.raises(ValueError, match=r"level 0: student and teacher classification features must have the same "
                                         r"shape, got \(2, 16, 6, 6\) and \(2, 32, 6, 6\)"):
        loss(narrow, taps, positive=positives)


# ------------------------------------------------------------------------------------------------ OFD
def _reference_ofd_margin(bn):
    """get_margin_from_BN of clovaai/overhaul-distillation (CIFAR-100/distiller.py), re-expressed with scipy."""
    from scipy.stats import norm

    margin = []
    for s, m in zip(bn.weight.data, bn.bias.data):
        s, m = abs(s.item()), m.item()
        if norm.cdf(-m / s) > 0.001:
            margin.append(-s * math.exp(-((m / s) ** 2) / 2) / math.sqrt(2 * math.pi) / norm.cdf(-m / s) + m)
        else:
            margin.append(-3 * s)
    return torch.FloatTensor(margin)


def _reference_ofd(source, target, margin):
    """distillation_loss: partial L2 against max(target, margin), summed."""
    target = torch.max(target, margin)
    loss = F.mse_loss(source, target, reduction="none")
    return (loss * ((source > target) | (target > 0)).float()).sum()


def _ofd_teacher(channels, seed):
    teacher = nn.Module()
    teacher.bn = nn.BatchNorm2d(channels)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        teacher.bn.weight.copy_(torch.randn(channels, generator=generator) * 2)
        teacher.bn.bias.copy_(torch.randn(channels, generator=generator) * 2)
        teacher.bn.bias[0] = 8.0 * abs(float(teacher.bn.weight[0]))  # almost never negative: the -3|γ| branch
    return teacher


def test_ofd_matches_the_reference_margins_loss_and_gradients():
    from adakd.distill.losses import OFDLoss

    teacher = _ofd_teacher(6, seed=0)
    loss = OFDLoss(teacher_bn="bn", stage_weight=0.25).build(4, 6)
    loss.bind_teacher(teacher)
    reference_margin = _reference_ofd_margin(teacher.bn)
    assert torch.allclose(loss.margin.flatten(), reference_margin, rtol=1e-5, atol=1e-6)
    assert loss.margin.flatten()[0] == pytest.approx(-3 * abs(float(teacher.bn.weight[0])))
    branch, shortcut = _randn(3, 4, 5, 5, seed=1).requires_grad_(), _randn(3, 4, 5, 5, seed=2)
    t_branch, t_shortcut = _randn(3, 6, 5, 5, seed=3) * 2, _randn(3, 6, 5, 5, seed=4)
    ours = loss((branch, shortcut), (t_branch, t_shortcut))
    (grad,) = torch.autograd.grad(ours, branch)
    # The reference's connector is this loss's (same modules); its loss is summed, then / batch x stage weight.
    connected = loss.connector(branch + shortcut)
    reference = _reference_ofd(connected, t_branch + t_shortcut, reference_margin[None, :, None, None]) / 3 * 0.25
    (reference_grad,) = torch.autograd.grad(reference, branch)
    assert float(reference) > 0 and float(ours / reference) == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(grad, reference_grad, rtol=1e-5, atol=1e-8)


def test_ofd_connector_is_initialised_as_the_authors_build_feature_connector():
    from adakd.distill.losses import OFDLoss

    torch.manual_seed(0)
    conv, bn = OFDLoss(teacher_bn="bn").build(64, 256).connector
    assert conv.weight.shape == (256, 64, 1, 1) and conv.bias is None
    assert float(conv.weight.std()) == pytest.approx(math.sqrt(2.0 / 256), rel=0.02)  # He over fan-out
    assert torch.equal(bn.weight, torch.ones(256)) and torch.equal(bn.bias, torch.zeros(256))


def test_ofd_margin_and_partial_l2_by_hand():
    from adakd.distill.losses import OFDLoss
    from adakd.distill.losses.overhaul_feature_distillation import margins_from_batch_norm

    bn = nn.BatchNorm2d(2)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, -2.0]))
        bn.bias.copy_(torch.tensor([0.0, 0.0]))
    # A zero-mean Gaussian's negative half has mean -sigma * sqrt(2/pi); |γ| is the std, whatever its sign.
    assert margins_from_batch_norm(bn).tolist() == pytest.approx([-math.sqrt(2 / math.pi), -2 * math.sqrt(2 / math.pi)],
                                                                 rel=1e-6)
    teacher = nn.Module()
    teacher.bn = bn
    loss = OFDLoss(teacher_bn="bn").build(1, 2)
    loss.bind_teacher(teacher)
    loss.connector = nn.Identity()  # the student's values as given
    m0 = -math.sqrt(2 / math.pi)
    teacher_map = torch.tensor([[-5.0, 0.5], [-0.1, -5.0]]).reshape(1, 2, 1, 2)  # channel 0: [-5, 0.5]; 1: [-0.1, -5]
    # Channel 0: target max(-5, m0) = m0, student -2 below it: zero; target 0.5 positive: (0.0 - 0.5)^2 counts.
    # Channel 1: target max(-0.1, 2 m0) = -0.1, student 1.0 above it: (1.1)^2; target 2 m0, student 2 m0 - 1: zero.
    student_map = torch.tensor([[-2.0, 0.0], [1.0, 2 * m0 - 1]]).reshape(1, 2, 1, 2)
    assert float(loss(student_map, teacher_map)) == pytest.approx(0.25 + 1.21, rel=1e-6)
    # Wherever the student is below a negative teacher response (its margin included), nothing is counted.
    assert float(loss(torch.full((1, 2, 1, 2), -10.0), -torch.rand(1, 2, 1, 2))) == 0.0


def test_ofd_bad_input_names_the_culprit():
    from adakd.distill.losses import OFDLoss

    teacher = _ofd_teacher(6, seed=5)
    with pytest.raises(KeyError, match=r"OFDLoss: the teacher has no module 'bnn' to take the margins from; close "
                                       r"matches: bn"):
        OFDLoss(teacher_bn="bnn").bind_teacher(teacher)
    with pytest.raises(ValueError, match=r"OFDLoss: no connector: the path builds it"):
        OFDLoss(teacher_bn="bn")(torch.zeros(1, 4, 2, 2), torch.zeros(1, 6, 2, 2))
    loss = OFDLoss(teacher_bn="bn").build(4, 8)
    loss.bind_teacher(teacher)
    with pytest.raises(ValueError, match=r"OFDLoss: connected student and teacher shapes must match, got student "
                                         r"\(1, 8, 2, 2\) and teacher \(1, 6, 2, 2\)"):
        loss(torch.zeros(1, 4, 2, 2), torch.zeros(1, 6, 2, 2))


@pytest.mark.parametrize("depth", [18, 34, 50])
def test_ofd_taps_sum_to_each_stage_output_before_its_relu(depth):
    """The two taps of every OFD layer (last block's residual branch, last block's input) add up to the value
    whose ReLU is the stage's output, for basic (18, 34) and bottleneck (50) blocks of detectron2's ResNet."""
    import importlib.util

    from detectron2.modeling.backbone import ResNet

    from adakd.distill.taps import FeatureRecorder
    from adakd.modeling.backbone import make_resnet_stages

    spec = importlib.util.spec_from_file_location(
        "classification_paths", os.path.join(os.path.dirname(__file__), "..", "projects/AdaptiveKD/configs/common/"
                                             "classification_paths.py"))
    paths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(paths)
    from detectron2.modeling.backbone.resnet import BasicStem

    torch.manual_seed(depth)
    model = nn.Module()
    model.backbone = ResNet(BasicStem(3, 8, norm="BN"), make_resnet_stages(depth=depth, width=8, norm="BN"),
                            out_features=["res2", "res3", "res4", "res5"]).eval()
    for module in model.modules():  # BN scales of both signs (no zero-initialised residual branch)
        if isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight)
            nn.init.normal_(module.bias)
    layers = paths._pre_relu_taps(depth)
    recorder = FeatureRecorder(model, [t for layer in layers for t in layer] + [f"backbone:{s}" for s in paths.STAGES])
    model.backbone(torch.randn(2, 3, 64, 64))
    for (branch, shortcut), stage in zip(layers, paths.STAGES):
        pre_relu = recorder.get(branch) + recorder.get(shortcut)
        assert (pre_relu < 0).any()  # the sum holds negative responses: it is before the ReLU
        torch.testing.assert_close(F.relu(pre_relu), recorder.get(f"backbone:{stage}"), rtol=0, atol=0)
