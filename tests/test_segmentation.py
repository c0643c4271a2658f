"""Semantic FPN distillation (the paper's Table 4): ST on dense logits with the ignore label, the ADE20K
label conversion, SemSegEvaluator on known cases, and a short distillation run on the embedded data."""
import math
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, DatasetMapper, MetadataCatalog
from detectron2.evaluation import SemSegEvaluator
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage
from PIL import Image

from adakd.config import apply_checked_overrides
from adakd.data.ade20k import convert_ade20k_labels, prepare_ade20k_sem_seg
from adakd.distill.losses import SoftTargetLoss
from adakd.engine.lazy_train import do_train

from .fake_datasets import write_ade20k_tree
from .stand_in_teacher import stand_in_teacher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects/AdaptiveKD/configs")


# ------------------------------------------------------------------------------------------ ST on dense maps
def test_st_on_dense_logits_is_mean_per_pixel_kl_times_t2_over_valid_pixels():
    torch.manual_seed(0)
    student, teacher = torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2)
    labels = torch.tensor([[[255, 1], [0, 2]], [[1, 255], [255, 0]]])
    valid = labels != 255
    t = 4.0
    by_hand = []
    for n in range(2):
        for i in range(2):
            for j in range(2):
                if labels[n, i, j] == 255:
                    continue
                p = [math.exp(teacher[n, k, i, j] / t) for k in range(3)]
                q = [math.exp(student[n, k, i, j] / t) for k in range(3)]
                p, q = [x / sum(p) for x in p], [x / sum(q) for x in q]
                by_hand.append(t * t * sum(pk * math.log(pk / qk) for pk, qk in zip(p, q)))
    loss = SoftTargetLoss(temperature=t)(student, teacher, valid=valid)
    assert loss.item() == pytest.approx(sum(by_hand) / len(by_hand), rel=1e-5)
    # Changing the logits at ignored pixels changes nothing.
    student[~valid[:, None].expand_as(student)] = 100.0
    assert SoftTargetLoss(temperature=t)(student, teacher, valid=valid).item() == pytest.approx(loss.item(), rel=1e-6)


# ----------------------------------------------------------------------------------------- ADE20K conversion
def test_ade20k_labels_become_zero_based_with_other_ignored():
    assert convert_ade20k_labels(np.array([[0, 1, 2], [150, 75, 0]], dtype=np.uint8)).tolist() == [
        [255, 0, 1], [149, 74, 255]
    ]


def test_prepare_ade20k_writes_the_layout_detectron2_reads(tmp_path):
    write_ade20k_tree(str(tmp_path))
    root = tmp_path / "ADEChallengeData2016"
    assert prepare_ade20k_sem_seg(str(root)) == {"training": 3, "validation": 2}
    original = np.array(Image.open(root / "annotations" / "training" / "ADE_train_00000001.png"))
    converted = np.array(Image.open(root / "annotations_detectron2" / "training" / "ADE_train_00000001.png"))
    assert np.array_equal(converted == 255, original == 0)
    assert np.array_equal(converted[original > 0], original[original > 0] - 1)


def test_prepare_ade20k_errors_name_the_culprit_and_leave_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="annotations/training"):
        prepare_ade20k_sem_seg(str(tmp_path / "missing"))
    write_ade20k_tree(str(tmp_path))
    root = tmp_path / "ADEChallengeData2016"
    bad = root / "annotations" / "training" / "ADE_train_00000002.png"
    Image.fromarray(np.full((4, 4), 200, dtype=np.uint8)).save(bad)
    with pytest.raises(ValueError, match="ADE_train_00000002.png"):
        prepare_ade20k_sem_seg(str(root))
    assert os.listdir(root / "annotations_detectron2") == []  # no partial split, no temporary directory


# ------------------------------------------------------------------------------------------- SemSegEvaluator
@pytest.fixture
def three_class_gt(tmp_path):
    # Rows 0-1: class 0 (8 px); row 2: class 1 (4 px); row 3: class 2 (3 px) and one ignored pixel.
    gt = np.array([[0] * 4, [0] * 4, [1] * 4, [2, 2, 2, 255]], dtype=np.uint8)
    Image.fromarray(gt).save(tmp_path / "gt.png")
    Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(tmp_path / "image.png")
    name = f"semseg_eval_{tmp_path.name}"
    DatasetCatalog.register(name, lambda: [{"file_name": str(tmp_path / "image.png"),
                                            "sem_seg_file_name": str(tmp_path / "gt.png")}])
    MetadataCatalog.get(name).set(stuff_classes=["a", "b", "c"], ignore_label=255)
    yield name, gt
    DatasetCatalog.remove(name)
    MetadataCatalog.remove(name)


def _evaluate(name, tmp_path, prediction):
    evaluator = SemSegEvaluator(name, distributed=False, output_dir=str(tmp_path))
    evaluator.reset()
    logits = F.one_hot(torch.as_tensor(prediction, dtype=torch.long), 3).permute(2, 0, 1).float()
    evaluator.process([{"file_name": str(tmp_path / "image.png")}], [{"sem_seg": logits}])
    return evaluator.evaluate()["sem_seg"]


def test_sem_seg_evaluator_perfect_prediction(three_class_gt, tmp_path):
    name, gt = three_class_gt
    prediction = np.where(gt == 255, 0, gt)  # whatever is predicted at the ignored pixel does not count
    result = _evaluate(name, tmp_path, prediction)
    assert result["mIoU"] == pytest.approx(100) and result["mACC"] == pytest.approx(100)


def test_sem_seg_evaluator_known_confusion(three_class_gt, tmp_path):
    name, gt = three_class_gt
    prediction = np.where(gt == 255, 1, gt)
    prediction[0, :2] = 1  # two class-0 pixels predicted as class 1
    result = _evaluate(name, tmp_path, prediction)
    # IoU: class 0 6/8, class 1 4/(4+2), class 2 3/3; accuracy: 6/8, 4/4, 3/3.
    assert result["mIoU"] == pytest.approx(100 * (6 / 8 + 4 / 6 + 1) / 3)
    assert result["mACC"] == pytest.approx(100 * (6 / 8 + 1 + 1) / 3)


# --------------------------------------------------------------------------- DistillSemanticFPN on shapes
@pytest.fixture(scope="module")
def seg_teacher_weights(tmp_path_factory, tiny_shapes):
    return stand_in_teacher("shapes_sem_seg_teacher.py", "tiny_shapes_sem_seg_train",
                            tmp_path_factory.mktemp("seg_teacher") / "teacher.pth")


def tiny_seg_cfg(config, teacher_weights, tmp_path, *overrides):
    return apply_checked_overrides(LazyConfig.load(os.path.join(CONFIGS, config)), [
        "dataloader.train.dataset.names=tiny_shapes_sem_seg_train",
        "dataloader.test.dataset.names=tiny_shapes_sem_seg_val",
        "dataloader.train.num_workers=0",
        "dataloader.test.num_workers=0",
        "train.device=cpu",
        "train.init_checkpoint=",
        f"train.output_dir={tmp_path}",
        *([f"model.teacher_weights={teacher_weights}"] if teacher_weights else []),
        *overrides,
    ])


def _batch(n=4):
    mapper = DatasetMapper(is_train=True, augmentations=[], image_format="BGR")
    return [mapper(d) for d in DatasetCatalog.get("tiny_shapes_sem_seg_train")[:n]]


def test_valid_mask_is_the_ignore_label_sampled_at_logit_resolution(seg_teacher_weights, tmp_path):
    model = instantiate(tiny_seg_cfg("shapes_sem_seg_adaptive.py", seg_teacher_weights, tmp_path).model)
    batch = _batch(1)
    labels = batch[0]["sem_seg"].clone()
    labels[:8, :8] = 255  # one 4x4 block of the 1/4-resolution logits is ignored...
    labels[1, 9] = 255  # ...a pixel that nearest sampling (rows and columns 0, 4, 8, ...) skips is not
    batch[0]["sem_seg"] = labels
    context = model.distillation_context(batch, torch.zeros(1, 7, 32, 32))
    expected = torch.ones(1, 32, 32, dtype=torch.bool)
    expected[0, :2, :2] = False
    assert torch.equal(context["valid"], expected)


def test_distill_semantic_fpn_lowers_loss_logs_weights_and_exports_the_student(
    tiny_shapes, seg_teacher_weights, tmp_path
):
    cfg = tiny_seg_cfg("shapes_sem_seg_adaptive.py", seg_teacher_weights, tmp_path, "train.max_iter=12",
                       "dataloader.train.total_batch_size=4")
    batch = _batch(8)

    def loss_on_batch(model):
        with EventStorage(0), torch.no_grad():
            model.train()
            return float(sum(model(batch).values()))

    seed_all_rng(0)
    initial = loss_on_batch(instantiate(cfg.model))
    seed_all_rng(0)
    model = do_train(cfg)
    teacher_before = torch.load(seg_teacher_weights, weights_only=True)["model"]
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, teacher_before[key], rtol=0, atol=0, msg=key)
    trained = loss_on_batch(model)
    assert trained < 0.9 * initial, (initial, trained)

    with open(tmp_path / "metrics.json") as f:
        import json

        record = [r for r in map(json.loads, f) if "total_loss" in r][-1]
    assert {"distill/at/weight", "distill/st/weight", "distill/at/loss", "distill/st/loss"} <= set(record)
    assert record["distill/st/weight"] != 1.0  # adaptive weights moved

    # Inference returns the student's sem_seg; its weights alone reproduce it in the plain student config.
    plain = instantiate(LazyConfig.load(os.path.join(CONFIGS, "shapes_sem_seg_student.py")).model)
    plain.load_state_dict(model.student_state_dict())
    model.eval()
    plain.eval()
    inputs = [{"image": b["image"], "height": 128, "width": 128} for b in batch[:2]]
    with torch.no_grad():
        expected, actual = model(inputs), plain(inputs)
    for e, a in zip(expected, actual):
        assert set(e) == {"sem_seg"}
        torch.testing.assert_close(a["sem_seg"], e["sem_seg"], rtol=0, atol=0)


def test_mgda_ub_segmentation_weights_are_the_closed_form_at_res2(tiny_shapes, seg_teacher_weights, tmp_path):
    """shapes_sem_seg_multiobjective_representation.py: Eq. 4's weights of a step are the two-path min-norm γ
    (Sener & Koltun: clip((g2·g2 − g1·g2) / ‖g1 − g2‖², 0, 1)) of AT's and ST's gradients at the student's res2
    output, taken here by autograd from the same step's unweighted path losses. AT's loss is scaled by the authors'
    1000 here: as configured its gradient at res2 is ~1700× smaller than ST's and γ clips to 1, which would not
    tell the closed form from any rule that picks the smaller gradient."""
    from .config_runs import two_path_min_norm

    cfg = tiny_seg_cfg("shapes_sem_seg_multiobjective_representation.py", seg_teacher_weights, tmp_path)
    model = instantiate(cfg.model)
    assert model.distiller.representation_taps == ["backbone.bottom_up:res2"]
    at_path = next(p for p in model.distiller.paths if p.name == "at")
    res2, losses = {}, {}
    hooks = [at_path.loss.register_forward_hook(lambda m, i, out: out * 1000.0),
             model.student.backbone.bottom_up.register_forward_hook(lambda m, i, out: res2.update(x=out["res2"])),
             model.distiller.aggregator.register_forward_pre_hook(lambda m, args: losses.update(args[0]))]
    model.train()
    with EventStorage(0):
        model(_batch(2))
    for hook in hooks:
        hook.remove()
    grads = [torch.autograd.grad(losses[p], res2["x"], retain_graph=True)[0].flatten().double() for p in ("at", "st")]
    gamma = two_path_min_norm(*grads)
    assert 0 < gamma < 1  # neither weight clipped: the check tells the closed form from a clipped one
    weights = model.distiller.path_weights()
    assert [weights["at"], weights["st"]] == pytest.approx([gamma, 1 - gamma], rel=1e-4)
