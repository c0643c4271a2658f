"""Distillation path losses checked against numbers worked out by hand or by independent loops."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from adakd.distill.losses import (
    AttentionGuidedFeatureKDLoss,
    AttentionTransferLoss,
    FeatureMapLoss,
    L2LogitLoss,
    LocalizationDistillationLoss,
    NSTLoss,
    NSTMMDLoss,
    SoftmaxRegressionLoss,
    SoftTargetLoss,
    TeacherBoundedRegressionLoss,
)


def _randn(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _kl_by_hand(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q) if pi > 0)


def _kl_of_logits(student_row, teacher_row, temperature):
    """T^2 * KL(softmax(t/T) || softmax(s/T)) via torch's kl_div, a different route from the losses."""
    log_q = F.log_softmax(student_row / temperature, dim=0)
    p = F.softmax(teacher_row / temperature, dim=0)
    return float(F.kl_div(log_q, p, reduction="sum")) * temperature**2


def _sr_case(seed):
    head = nn.Linear(5, 3)
    with torch.no_grad():
        head.weight.copy_(_randn(3, 5, seed=seed))
        head.bias.copy_(_randn(3, seed=seed + 1))
    feature = _randn(4, 5, seed=seed + 2)
    return head, feature, head(feature).detach()


# name -> (loss, student shape, teacher shape, extra kwargs builder)
CASES = {
    "at": (lambda: AttentionTransferLoss(), (2, 3, 4, 4), (2, 5, 4, 4), {}),
    "nst": (lambda: NSTLoss(), (2, 3, 4, 4), (2, 3, 4, 4), {}),
    "nst_mmd": (lambda: NSTMMDLoss(), (2, 3, 4, 4), (2, 5, 4, 4), {}),
    "fm": (lambda: FeatureMapLoss(), (4, 6), (4, 6), {}),
    "l2_logit": (lambda: L2LogitLoss(), (4, 6), (4, 6), {}),
    "st_softmax": (lambda: SoftTargetLoss(temperature=4.0), (4, 6), (4, 6), {}),
    "st_sigmoid": (lambda: SoftTargetLoss(temperature=2.0, activation="sigmoid"), (4, 6), (4, 6), {}),
    "st_dense": (lambda: SoftTargetLoss(temperature=1.0), (2, 3, 2, 2), (2, 3, 2, 2), {}),
    "ld": (lambda: LocalizationDistillationLoss(), (3, 4, 5), (3, 4, 5), {"positive": torch.tensor([1.0, 0.0, 1.0])}),
    "ld_scored": (
        lambda: LocalizationDistillationLoss(),
        (3, 4, 5),
        (3, 4, 5),
        {"positive": torch.tensor([1.0, 1.0, 0.0]), "score_logits": _randn(3, 2, seed=30)},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_zero_when_student_equals_teacher_and_positive_otherwise(name):
    make_loss, student_shape, teacher_shape, kwargs = CASES[name]
    loss = make_loss()
    teacher = _randn(*teacher_shape, seed=1)
    # A student identical to the teacher (channel counts then equal too, for AT and NST).
    assert float(loss(teacher.clone(), teacher, **kwargs)) == pytest.approx(0.0, abs=1e-6)
    assert float(loss(_randn(*student_shape, seed=2), teacher, **kwargs)) > 1e-4


def test_sr_zero_when_features_match_and_positive_otherwise():
    head, feature, teacher_logits = _sr_case(seed=0)
    loss = SoftmaxRegressionLoss(head)
    assert float(loss(feature.clone(), teacher_logits)) == pytest.approx(0.0, abs=1e-6)
    assert float(loss(feature + 0.5, teacher_logits)) > 1e-4


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_reach_student_only(name):
    make_loss, student_shape, teacher_shape, kwargs = CASES[name]
    student = _randn(*student_shape, seed=3).requires_grad_(True)
    teacher = _randn(*teacher_shape, seed=4).requires_grad_(True)
    make_loss()(student, teacher, **kwargs).backward()
    assert student.grad is not None and torch.isfinite(student.grad).all() and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_sr_gradients_reach_student_feature_through_frozen_head():
    head, feature, teacher_logits = _sr_case(seed=5)
    loss = SoftmaxRegressionLoss(head)
    assert all(not p.requires_grad for p in head.parameters())
    assert list(loss.parameters()) == [] and loss.state_dict() == {}
    student = (feature + 0.3).requires_grad_(True)
    teacher_logits = teacher_logits.clone().requires_grad_(True)
    loss(student, teacher_logits).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher_logits.grad is None
    assert head.weight.grad is None and head.bias.grad is None


def test_sr_is_mse_between_logits_through_teacher_head():
    head, feature, teacher_logits = _sr_case(seed=6)
    student = feature * 0.5
    with torch.no_grad():
        student_logits = student @ head.weight.T + head.bias
    expected = ((student_logits - teacher_logits) ** 2).sum() / student_logits.numel()
    assert float(SoftmaxRegressionLoss(head)(student, teacher_logits)) == pytest.approx(float(expected), rel=1e-5)


def test_soft_target_two_classes_by_hand():
    # softmax([log 3, 0]) = [3/4, 1/4]; softmax([0, 0]) = [1/2, 1/2].
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[math.log(3.0), 0.0]])
    expected = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert float(SoftTargetLoss(temperature=1.0)(student, teacher)) == pytest.approx(expected, rel=1e-6)
    # Two samples: the mean of the two KLs (the second pair is identical, so KL 0).
    student2 = torch.tensor([[0.0, 0.0], [1.0, 2.0]])
    teacher2 = torch.tensor([[math.log(3.0), 0.0], [1.0, 2.0]])
    assert float(SoftTargetLoss(temperature=1.0)(student2, teacher2)) == pytest.approx(expected / 2, rel=1e-6)


def test_soft_target_temperature_squared_scaling():
    student = torch.tensor([[0.2, -1.0, 0.5], [1.5, 0.0, -0.3]])
    teacher = torch.tensor([[1.0, 0.3, -0.7], [0.1, 2.0, 0.4]])
    softened_kl = [
        _kl_by_hand(torch.softmax(t / 2.0, dim=0).tolist(), torch.softmax(s / 2.0, dim=0).tolist())
        for s, t in zip(student, teacher)
    ]
    expected = 4.0 * sum(softened_kl) / len(softened_kl)
    assert float(SoftTargetLoss(temperature=2.0)(student, teacher)) == pytest.approx(expected, rel=1e-5)


def test_soft_target_sigmoid_binary_kl_by_hand():
    # sigmoid(log 3) = 3/4, sigmoid(0) = 1/2, sigmoid(-log 3) = 1/4; two classes summed at one location.
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[math.log(3.0), -math.log(3.0)]])
    one_class = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    loss = SoftTargetLoss(temperature=1.0, activation="sigmoid")
    assert float(loss(student, teacher)) == pytest.approx(2 * one_class, rel=1e-6)


def test_soft_target_dense_is_mean_of_valid_pixels():
    temperature = 2.0
    student = _randn(2, 3, 2, 2, seed=7)
    teacher = _randn(2, 3, 2, 2, seed=8)
    valid = torch.tensor([[[True, False], [True, True]], [[False, False], [True, False]]])
    per_pixel = {}
    for n in range(2):
        for h in range(2):
            for w in range(2):
                per_pixel[n, h, w] = _kl_of_logits(student[n, :, h, w], teacher[n, :, h, w], temperature)
    loss = SoftTargetLoss(temperature=temperature)
    assert float(loss(student, teacher)) == pytest.approx(sum(per_pixel.values()) / 8, rel=1e-5)
    kept = [v for key, v in per_pixel.items() if valid[key]]
    assert float(loss(student, teacher, valid=valid)) == pytest.approx(sum(kept) / len(kept), rel=1e-5)


def test_soft_target_no_valid_location_gives_connected_zero():
    student = _randn(2, 3, 2, 2, seed=9).requires_grad_(True)
    teacher = _randn(2, 3, 2, 2, seed=10).requires_grad_(True)
    value = SoftTargetLoss()(student, teacher, valid=torch.zeros(2, 2, 2, dtype=torch.bool))
    assert float(value.detach()) == 0.0
    value.backward()
    assert student.grad is not None and float(student.grad.abs().sum()) == 0.0
    assert teacher.grad is None


def test_soft_target_rejects_unknown_activation_and_bad_valid():
    with pytest.raises(ValueError, match="softmax.*sigmoid"):
        SoftTargetLoss(activation="tanh")
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        SoftTargetLoss()(torch.zeros(2, 3, 2, 2), torch.zeros(2, 3, 2, 2), valid=torch.ones(2, 4, dtype=torch.bool))


def test_l2_logit_is_mean_over_samples_and_classes():
    student = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    teacher = torch.tensor([[0.0, 2.0, 5.0], [1.0, 1.0, 1.0]])
    # Squared differences 1, 0, 4, 1, 1, 1: their mean over N*K = 6 elements is 8/6 (the official
    # F.mse_loss), not 0.5 * (5 + 3) / 2 = 2 (the 0.5 * sum over K of Ba & Caruana).
    assert float(L2LogitLoss()(student, teacher)) == pytest.approx(8.0 / 6.0)


def test_attention_transfer_by_hand():
    # Student map |F|^2 = [4, 0, 0, 0] -> [1, 0, 0, 0]; teacher (2 channels, same map) -> [1/2] * 4.
    student = torch.tensor([[[[2.0, 0.0], [0.0, 0.0]]]])
    teacher = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]], [[-1.0, -1.0], [-1.0, -1.0]]]])
    # Differences [1/2, -1/2, -1/2, -1/2], squared 1/4 each, mean 1/4.
    assert float(AttentionTransferLoss()(student, teacher)) == pytest.approx(0.25)
    # [1, 1, 0, 0]/sqrt(2) vs [1/2] * 4: ||a - b||^2 = 2 - 2 a.b = 2 - sqrt(2), averaged over 4 positions.
    student = torch.tensor([[[[1.0, -1.0], [0.0, 0.0]]]])
    assert float(AttentionTransferLoss()(student, teacher)) == pytest.approx((2 - math.sqrt(2)) / 4, rel=1e-6)


def test_attention_transfer_resizes_student_map():
    # A constant 4x4 student map resized to 2x2 stays constant, like the teacher's.
    student = torch.full((1, 2, 4, 4), 3.0)
    teacher = torch.full((1, 5, 2, 2), 0.5)
    assert float(AttentionTransferLoss()(student, teacher)) == pytest.approx(0.0, abs=1e-7)


def test_nst_mmd_by_explicit_loops():
    student = _randn(1, 2, 1, 3, seed=11)
    teacher = _randn(1, 3, 1, 3, seed=12)

    def unit_channels(x):
        rows = [x[0, c, 0].tolist() for c in range(x.shape[1])]
        return [[v / math.sqrt(sum(u * u for u in row)) for v in row] for row in rows]

    def mean_kernel(a, b):
        total = 0.0
        for x in a:
            for y in b:
                total += sum(xi * yi for xi, yi in zip(x, y)) ** 2
        return total / (len(a) * len(b))

    s, t = unit_channels(student), unit_channels(teacher)
    expected = mean_kernel(s, s) + mean_kernel(t, t) - 2 * mean_kernel(s, t)
    assert float(NSTMMDLoss()(student, teacher)) == pytest.approx(expected, rel=1e-5)


def test_localization_distillation_empty_gives_connected_zero():
    student = torch.zeros(0, 4, 5, requires_grad=True)
    value = LocalizationDistillationLoss()(student, torch.zeros(0, 4, 5))
    assert float(value.detach()) == 0.0
    value.backward()
    assert student.grad is not None


def test_feature_map_is_mse_of_pooled_features():
    student = _randn(2, 3, 2, 2, seed=40)
    teacher = _randn(2, 3, 2, 2, seed=41)
    gaps = [
        (sum(float(student[n, c, i, j]) for i in range(2) for j in range(2)) / 4
         - sum(float(teacher[n, c, i, j]) for i in range(2) for j in range(2)) / 4) ** 2
        for n in range(2) for c in range(3)
    ]
    assert float(FeatureMapLoss()(student, teacher)) == pytest.approx(sum(gaps) / 6, rel=1e-5)


def test_feature_map_on_vectors_is_mse():
    student = _randn(3, 4, seed=15)
    teacher = _randn(3, 4, seed=16)
    expected = sum(float(d) ** 2 for d in (student - teacher).flatten()) / 12
    assert float(FeatureMapLoss()(student, teacher)) == pytest.approx(expected, rel=1e-6)


MISMATCHES = [
    (lambda: AttentionTransferLoss(), (2, 3, 4, 4), (3, 3, 4, 4), {}),
    (lambda: NSTLoss(), (2, 3, 4, 4), (2, 5, 4, 4), {}),
    (lambda: NSTMMDLoss(), (2, 3, 4, 4), (2, 3, 2, 2), {}),
    (lambda: FeatureMapLoss(), (2, 8), (2, 6), {}),
    (lambda: L2LogitLoss(), (2, 8), (2, 6), {}),
    (lambda: SoftTargetLoss(), (2, 8), (2, 6), {}),
    (lambda: SoftTargetLoss(activation="sigmoid"), (2, 3, 4, 4), (2, 3, 4, 5), {}),
    (lambda: LocalizationDistillationLoss(), (3, 4, 8), (3, 4, 5), {}),
    (lambda: AttentionGuidedFeatureKDLoss().build(3, 3), (2, 3, 4, 4), (2, 3, 4, 5), {}),
    (lambda: TeacherBoundedRegressionLoss(), (2, 4), (3, 4), {"target": torch.zeros(2, 4)}),
]


@pytest.mark.parametrize("make_loss,student_shape,teacher_shape,kwargs", MISMATCHES)
def test_shape_mismatch_names_the_loss_and_both_shapes(make_loss, student_shape, teacher_shape, kwargs):
    loss = make_loss()
    with pytest.raises(ValueError) as error:
        loss(torch.zeros(student_shape), torch.zeros(teacher_shape), **kwargs)
    message = str(error.value)
    assert type(loss).__name__ in message
    assert str(student_shape) in message and str(teacher_shape) in message


def test_sr_logit_shape_mismatch_names_both_shapes():
    head, feature, _ = _sr_case(seed=19)
    with pytest.raises(ValueError) as error:
        SoftmaxRegressionLoss(head)(feature, torch.zeros(4, 7))
    message = str(error.value)
    assert "SoftmaxRegressionLoss" in message and "(4, 3)" in message and "(4, 7)" in message
