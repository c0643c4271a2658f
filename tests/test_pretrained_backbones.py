"""Pretrained backbones (the shapes_pretrain zoo entries): exported as detectron2 ships its ImageNet backbones and
loaded by ``train.init_checkpoint`` into the students and teachers of every shapes task."""
import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer
from adakd.utils.export import export_pretrained_backbone

from .stand_in_teacher import CONFIGS, stand_in_teacher

HEAD = ["linear.bias", "linear.weight"]


def _model(config, **overrides):
    cfg = LazyConfig.load(os.path.join(CONFIGS, config))
    for key, value in overrides.items():
        setattr(cfg.model, key, value)
    return instantiate(cfg.model)


def _pretrained(config, tmp_path):
    """A pretraining classifier of ``config`` with distinct weights and BN statistics, its trainer checkpoint
    and the exported backbone file."""
    torch.manual_seed(0)
    classifier = _model(config)
    with torch.no_grad():
        for tensor in list(classifier.parameters()) + [b for n, b in classifier.named_buffers() if "running" in n]:
            tensor.copy_(torch.rand_like(tensor) + 0.5)  # positive, so running_var stays valid
    trainer_checkpoint = tmp_path / "model_final.pth"
    torch.save({"model": classifier.state_dict(), "iteration": 3}, trainer_checkpoint)
    exported = tmp_path / "pretrained.pth"
    export_pretrained_backbone(str(trainer_checkpoint), str(exported))
    return classifier, exported


def _load(model, path):
    checkpointer = AtomicCheckpointer(model)
    checkpointer.load(str(path))
    return checkpointer.incompatible_keys


def _assert_backbone_equals(bottom_up_state, classifier):
    expected = {k[len("backbone."):]: v for k, v in classifier.state_dict().items() if k.startswith("backbone.")}
    assert bottom_up_state.keys() == expected.keys()
    for key, value in expected.items():
        if value.is_floating_point():  # the zoo stores fp16
            torch.testing.assert_close(bottom_up_state[key], value.half().float(), rtol=0, atol=0, msg=key)
        else:
            assert torch.equal(bottom_up_state[key], value), key


@pytest.mark.parametrize(
    "pretrain_config, model_config",
    [
        ("shapes_pretrain_r18.py", "shapes_student.py"),
        ("shapes_pretrain_r18.py", "shapes_sem_seg_student.py"),
        ("shapes_pretrain_r101.py", "shapes_teacher.py"),
        ("shapes_pretrain_r101.py", "shapes_sem_seg_teacher.py"),
    ],
)
def test_backbone_loads_into_the_detector_and_segmentor_whole_with_only_the_classifier_left(
        pretrain_config, model_config, tmp_path):
    classifier, exported = _pretrained(pretrain_config, tmp_path)
    model = _model(model_config)
    incompatible = _load(model, exported)
    assert sorted(incompatible.unexpected_keys) == HEAD and not incompatible.incorrect_shapes
    # Missing: exactly what is not the ResNet (FPN, heads), nothing of the ResNet.
    assert not [k for k in incompatible.missing_keys if k.startswith("backbone.bottom_up.")]
    assert set(incompatible.missing_keys) == {
        k for k in model.state_dict() if not k.startswith("backbone.bottom_up.") and "num_batches" not in k}
    _assert_backbone_equals(model.backbone.bottom_up.state_dict(), classifier)


def test_exported_file_still_evaluates_as_the_classifier(tmp_path):
    classifier, exported = _pretrained("shapes_pretrain_r18.py", tmp_path)
    fresh = _model("shapes_pretrain_r18.py")
    incompatible = _load(fresh, exported)
    assert not incompatible.missing_keys and not incompatible.unexpected_keys
    images = torch.rand(2, 3, 64, 64) * 255
    classifier.eval(), fresh.eval()
    with torch.no_grad():
        ours, theirs = fresh.logits(images), classifier.logits(images)
    torch.testing.assert_close(ours, theirs, rtol=0.02, atol=0.02)  # fp16 weights
    assert not torch.equal(ours, _model("shapes_pretrain_r18.py").eval().logits(images))


def test_a_distillation_model_gets_the_backbone_in_its_student_and_keeps_its_teacher(tiny_shapes, tmp_path):
    teacher = stand_in_teacher("shapes_teacher.py", "tiny_shapes_train", tmp_path / "teacher.pth", num_images=2)
    classifier, exported = _pretrained("shapes_pretrain_r18.py", tmp_path)
    model = _model("shapes_adaptive.py", teacher_weights=teacher)
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    incompatible = _load(model, exported)
    assert sorted(incompatible.unexpected_keys) == HEAD
    assert not [k for k in incompatible.missing_keys if k.startswith("student.backbone.bottom_up.")]
    _assert_backbone_equals(model.student.backbone.bottom_up.state_dict(), classifier)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key


def test_export_refuses_a_checkpoint_without_a_backbone(tmp_path):
    torch.save({"model": {"head.linear.weight": torch.zeros(2, 2)}}, tmp_path / "head_only.pth")
    with pytest.raises(KeyError, match="head_only.pth holds no ResNet stage"):
        export_pretrained_backbone(str(tmp_path / "head_only.pth"), str(tmp_path / "out.pth"))
    torch.save({"model": {"student.backbone.res2.0.conv1.weight": torch.zeros(1)}}, tmp_path / "distilled.pth")
    with pytest.raises(KeyError, match="'student.backbone.res2.0.conv1.weight' is neither under 'backbone.'"):
        export_pretrained_backbone(str(tmp_path / "distilled.pth"), str(tmp_path / "out.pth"))
    assert not (tmp_path / "out.pth").exists() and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_export_keeps_what_fp16_cannot_hold_and_refuses_non_finite_weights(tmp_path):
    """BN statistics beyond fp16's ±65504 (a stem fed 0-255 pixels with detectron2's pixel std 1 reaches 1e5)
    stay in fp32: cast to fp16 they become inf, and BN's rsqrt(inf) = 0 turns the channel into a constant."""
    from adakd.utils.export import export_weights

    torch.manual_seed(0)
    classifier = _model("shapes_pretrain_r18.py")
    norm = classifier.backbone.stem.conv1.norm
    with torch.no_grad():
        norm.running_var.copy_(torch.full_like(norm.running_var, 4.0))
        norm.running_var[3] = 1.0e5  # beyond fp16
        norm.running_var[5] = 6.0e4  # within fp16
    torch.save({"model": classifier.state_dict()}, tmp_path / "model_final.pth")
    for export in (export_pretrained_backbone, export_weights):
        out = tmp_path / f"{export.__name__}.pth"
        export(str(tmp_path / "model_final.pth"), str(out))
        state = torch.load(out, weights_only=True)["model"]
        prefix = "" if export is export_pretrained_backbone else "backbone."
        exported = state[f"{prefix}stem.conv1.norm.running_var"]
        assert exported.dtype == torch.float32 and float(exported[3]) == 1.0e5
        assert state[f"{prefix}stem.conv1.weight"].dtype == torch.float16  # the rest is fp16
        assert state[f"{prefix}res2.0.conv1.norm.running_var"].dtype == torch.float16
    # Loaded, the stem's channel 3 still answers to its input (with an fp16 inf it would be constant).
    fresh = _model("shapes_pretrain_r18.py").eval()
    _load(fresh, tmp_path / "export_pretrained_backbone.pth")
    stem = fresh.backbone.stem.conv1
    with torch.no_grad():
        a, b = stem(torch.rand(1, 3, 16, 16) * 255), stem(torch.rand(1, 3, 16, 16) * 255)
    assert float((a[0, 3] - b[0, 3]).abs().max()) > 0

    with torch.no_grad():
        norm.running_var[3] = float("inf")
    torch.save({"model": classifier.state_dict()}, tmp_path / "broken.pth")
    for export in (export_pretrained_backbone, export_weights):
        with pytest.raises(FloatingPointError, match=r"broken.pth: (backbone\.)?stem.conv1.norm.running_var holds "
                                                     r"non-finite values"):
            export(str(tmp_path / "broken.pth"), str(tmp_path / "broken_out.pth"))
    assert not (tmp_path / "broken_out.pth").exists() and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
