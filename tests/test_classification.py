"""Classification: agreement error, datasets in their official layouts, the classifier, DistillClassifier's
layerwise paths and SR wiring, all against numbers worked out by hand."""
import os
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from detectron2.config import LazyConfig, instantiate
from detectron2.data import transforms as T

from adakd.data import CenterCrop, ClassificationDatasetMapper, ShapesClassificationSpec, ensure_shapes_classification
from adakd.data.cifar import load_cifar, load_cifar_class_names
from adakd.data.image_folder import load_image_folder, load_tiny_imagenet
from adakd.distill import DistillPath
from adakd.distill.losses import SoftmaxRegressionLoss
from adakd.evaluation import ClassificationEvaluator, top1_errors
from adakd.modeling.backbone import CIFARStem
from adakd.modeling.meta_arch import ClassificationHead, DistillClassifier, ImageClassifier

from .config_runs import CONFIG_DIR
from .fake_classification_datasets import write_cifar_trees, write_tiny_imagenet_tree


# --- agreement error --------------------------------------------------------------------------------
def test_top1_errors_on_hand_made_predictions():
    labels = [0, 1, 2, 3, 4]
    student = [0, 1, 0, 0, 4]  # wrong on images 2 and 3: 40 %
    teacher = [0, 2, 0, 3, 4]  # wrong on images 1 and 2: 40 %
    # student and teacher disagree on images 1 (1 vs 2) and 3 (0 vs 3): 40 %, although both err on image 2
    results = top1_errors(student, labels, teacher)
    assert results == pytest.approx({"top1_err": 40.0, "teacher_top1_err": 40.0, "top1_agreement_err": 40.0})
    # A student that copies the teacher's mistakes agrees fully.
    assert top1_errors(teacher, labels, teacher)["top1_agreement_err"] == 0.0
    assert top1_errors(student, labels) == {"top1_err": 40.0}
    with pytest.raises(ValueError, match="3 teacher predictions for 5 labels"):
        top1_errors(student, labels, teacher[:3])


def test_evaluator_reads_student_and_teacher_logits():
    evaluator = ClassificationEvaluator("hand-made")
    inputs = [{"label": 0}, {"label": 1}, {"label": 1}, {"label": 2}]
    student = torch.tensor([[3.0, 1, 0], [0, 2, 5], [0, 4, 1], [1, 0, 2]])  # argmax 0, 2, 1, 2
    teacher = torch.tensor([[0.0, 1, 0], [0, 2, 1], [0, 4, 1], [1, 0, 2]])  # argmax 1, 1, 1, 2
    evaluator.process(inputs[:2], [{"logits": s, "teacher_logits": t} for s, t in zip(student[:2], teacher[:2])])
    evaluator.process(inputs[2:], [{"logits": s, "teacher_logits": t} for s, t in zip(student[2:], teacher[2:])])
    results = evaluator.evaluate()["classification"]
    # student wrong on image 1 (25 %); teacher wrong on image 0 (25 %); they disagree on images 0 and 1 (50 %)
    assert results == pytest.approx({"top1_err": 25.0, "teacher_top1_err": 25.0, "top1_agreement_err": 50.0})


def test_evaluator_runs_a_given_teacher_for_a_plain_student():
    class Fixed(torch.nn.Module):
        def forward(self, inputs):
            return [{"logits": F.one_hot(torch.tensor(x["teacher_says"]), 3).float()} for x in inputs]

    evaluator = ClassificationEvaluator(teacher=Fixed())
    inputs = [{"label": 0, "teacher_says": 0}, {"label": 1, "teacher_says": 2}]
    evaluator.process(inputs, [{"logits": torch.tensor([1.0, 0, 0])}, {"logits": torch.tensor([0.0, 1, 0])}])
    assert evaluator.evaluate()["classification"] == pytest.approx(
        {"top1_err": 0.0, "teacher_top1_err": 50.0, "top1_agreement_err": 50.0})


# --- datasets -----------------------------------------------------------------------------------------
def test_cifar_pickles_decode_to_the_written_images(tmp_path):
    written = write_cifar_trees(str(tmp_path))
    for variant, folder in (("cifar10", "cifar-10-batches-py"), ("cifar100", "cifar-100-python")):
        for split in ("train", "test"):
            dicts = load_cifar(str(tmp_path / folder), variant, split)
            images, labels = written[(variant, split)]
            assert [d["label"] for d in dicts] == labels
            np.testing.assert_array_equal(np.stack([d["image"] for d in dicts]), images)
    assert len(load_cifar(str(tmp_path / "cifar-10-batches-py"), "cifar10", "train")) == 10  # 5 batches of 2
    assert load_cifar_class_names(str(tmp_path / "cifar-100-python"), "cifar100")[7] == "fine7"


def test_cifar_plane_order_by_hand(tmp_path):
    # One image: R plane all 10, G plane 20, B plane 30 except the first B pixel (row 0, col 1 → index 1) = 99.
    row = np.concatenate([np.full(1024, 10), np.full(1024, 20), np.full(1024, 30)]).astype(np.uint8)
    row[2048 + 1] = 99
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": row[None], b"labels": [7]}, f, protocol=2)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"x"] * 10}, f, protocol=2)
    image = load_cifar(str(folder), "cifar10", "test")[0]["image"]
    assert image.shape == (32, 32, 3)
    assert tuple(image[5, 5]) == (10, 20, 30) and tuple(image[0, 1]) == (10, 20, 99)


def test_cifar_missing_or_corrupt_files_name_the_culprit(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar-100-python lacks \['train', 'meta'\].*cifar-100-python.tar.gz"):
        load_cifar(str(tmp_path / "cifar-100-python"), "cifar100", "train")
    write_cifar_trees(str(tmp_path))
    with open(tmp_path / "cifar-100-python" / "train", "wb") as f:
        f.write(b"\x80\x02not a pickle")
    with pytest.raises(RuntimeError, match=r"cifar-100-python/train is unreadable"):
        load_cifar(str(tmp_path / "cifar-100-python"), "cifar100", "train")
    # A pickle that would run code is refused, not executed.
    with open(tmp_path / "cifar-100-python" / "train", "wb") as f:
        pickle.dump({b"data": os.system}, f, protocol=2)
    with pytest.raises(RuntimeError, match="refusing to load posix.system"):
        load_cifar(str(tmp_path / "cifar-100-python"), "cifar100", "train")


def test_tiny_imagenet_train_folders_and_val_annotations(tmp_path):
    base = write_tiny_imagenet_tree(str(tmp_path), wnids=("n02", "n01", "n03"), per_class=2)
    train = load_tiny_imagenet(base, "train")
    # Labels index the sorted wnids: n01 → 0, n02 → 1, n03 → 2.
    assert [(os.path.basename(d["file_name"]), d["label"]) for d in train] == [
        ("n01_0.JPEG", 0), ("n01_1.JPEG", 0), ("n02_0.JPEG", 1), ("n02_1.JPEG", 1),
        ("n03_0.JPEG", 2), ("n03_1.JPEG", 2)]
    val = load_tiny_imagenet(base, "val")  # val_0 is n03, val_1 n01, val_2 n02 (reverse order of wnids.txt)
    assert [d["label"] for d in val] == [2, 0, 1]
    with pytest.raises(FileNotFoundError, match=r"tiny-imagenet-200/wnids.txt not found.*tiny-imagenet-200.zip"):
        load_tiny_imagenet(str(tmp_path / "nowhere" / "tiny-imagenet-200"), "val")


def test_image_folder_rejects_unknown_classes_and_empty_trees(tmp_path):
    (tmp_path / "train" / "cat").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no images"):
        load_image_folder(str(tmp_path / "train"))
    with pytest.raises(ValueError, match=r"class folders \['cat'\]"):
        load_image_folder(str(tmp_path / "train"), class_names=["dog"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(str(tmp_path / "val"))


def test_mapper_flips_and_center_crop_by_hand():
    image = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    flip = ClassificationDatasetMapper(True, [T.RandomFlip(prob=1.0, horizontal=True)])
    out = flip({"image": image, "label": 3, "image_id": 0})
    assert out["label"] == 3 and out["image"].shape == (3, 4, 6)
    np.testing.assert_array_equal(out["image"].numpy(), image[:, ::-1].transpose(2, 0, 1))
    crop = ClassificationDatasetMapper(False, [CenterCrop((2, 2))], image_format="BGR")({"image": image, "label": 0})
    # Rows 1-2, columns 2-3, channels reversed.
    np.testing.assert_array_equal(crop["image"].numpy(), image[1:3, 2:4, ::-1].transpose(2, 0, 1))


def test_shapes_cls_is_deterministic_cifar_format(tmp_path):
    spec = ShapesClassificationSpec(num_train=12, num_test=6)
    root = ensure_shapes_classification(str(tmp_path / "a" / "shapes_cls"), spec)
    again = ensure_shapes_classification(str(tmp_path / "b" / "shapes_cls"), spec)
    first, second = load_cifar(root, "shapes_cls", "train"), load_cifar(again, "shapes_cls", "train")
    assert len(first) == 12 and len(load_cifar(root, "shapes_cls", "test")) == 6
    assert all(a["label"] == b["label"] and (a["image"] == b["image"]).all() for a, b in zip(first, second))
    with open(os.path.join(root, "test_batch"), "ab") as f:
        f.write(b"tampered")
    with pytest.raises(RuntimeError, match="test_batch is missing or does not match its checksum"):
        ensure_shapes_classification(root, spec)


def test_shapes_cls_label_is_the_largest_shape_drawn_on_top_of_its_distractors():
    from adakd.data.shapes import SHAPES_CLASSES
    from adakd.data.shapes_classification import _render

    # No noise and no clutter: the labelled shape, drawn last, keeps one flat colour over its whole mask.
    spec = ShapesClassificationSpec(noise_std=0.0, max_clutter_lines=0)
    seen_distractors = set()
    for index in range(60):
        rng = np.random.RandomState([7, index])
        label = index % len(SHAPES_CLASSES)
        image, objects = _render(label, rng, spec)
        (cls, size, mask), distractors = objects[0], objects[1:]
        assert cls == label and spec.min_object_size <= size <= spec.max_object_size
        assert spec.min_distractors <= len(distractors) <= spec.max_distractors
        seen_distractors.add(len(distractors))
        for _, d_size, _ in distractors:
            # e.g. an 18 px shape allows distractors of 4..12 px, a 10 px one of 4..7 px: always smaller.
            assert 4 <= d_size <= max(4, int(0.7 * size)) < size
        assert mask.sum() > 0 and len(np.unique(image[mask], axis=0)) == 1
    assert seen_distractors == {1, 2, 3}


# --- models -------------------------------------------------------------------------------------------
def test_cifar_stem_keeps_resolution_and_classifier_loss_is_cross_entropy():
    assert CIFARStem(3, 8)(torch.zeros(2, 3, 32, 32)).shape == (2, 8, 32, 32)
    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, "shapes_cls_student.py"))
    model = instantiate(cfg.model)
    assert isinstance(model, ImageClassifier) and isinstance(model.head, ClassificationHead)
    features = model.backbone(torch.zeros(1, 3, 32, 32))
    # res2..res5 at strides 1, 2, 4, 8 of 32 px with 8, 16, 32, 64 channels (eighth width).
    assert [tuple(features[k].shape[1:]) for k in ("res2", "res3", "res4", "res5")] == [
        (8, 32, 32), (16, 16, 16), (32, 8, 8), (64, 4, 4)]
    images = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    inputs = [{"image": im, "label": label} for im, label in zip(images, [0, 5, 2])]
    model.eval()
    logits = torch.stack([o["logits"] for o in model(inputs)])
    model.train()
    for m in model.modules():  # batch statistics would differ between the two calls otherwise
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    loss = model(inputs)["loss_cls"]
    expected = -sum(F.log_softmax(row, 0)[label] for row, label in zip(logits, [0, 5, 2])) / 3
    assert float(loss) == pytest.approx(float(expected), rel=1e-5)


@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory):
    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, "shapes_cls_teacher.py"))
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp("teacher") / "teacher.pth")
    torch.save({"model": instantiate(cfg.model).state_dict()}, path)
    return path


def _distill(config, teacher_file, **overrides):
    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, f"{config}.py"))
    cfg.model.teacher_weights = teacher_file
    for key, value in overrides.items():
        cfg.model[key] = value
    return instantiate(cfg.model)


def test_layerwise_gives_every_stage_its_own_weight(teacher_file):
    model = _distill("shapes_cls_adaptive_layerwise_four_paths", teacher_file)
    stages = ["res2", "res3", "res4", "res5"]
    expected = [f"at.{s}" for s in stages] + ["st"] + [f"nst.{s}" for s in stages] + ["l2_logit"]
    assert model.distiller.term_names == expected
    assert list(model.distiller.path_weights()) == expected  # 8 + 2 learned weights, v = e^-z = 1 at start
    assert all(v == pytest.approx(1.0) for v in model.distiller.path_weights().values())
    model.train()
    inputs = [{"image": torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8), "label": i} for i in range(2)]
    losses = model(inputs)
    assert {f"loss_distill_{t}" for t in expected} <= set(losses)
    # Summed (non-layerwise) AT equals the sum of its layerwise terms on the same batch.
    summed = _distill("shapes_cls_adaptive", teacher_file)
    summed.student.load_state_dict(model.student.state_dict())
    summed.train()
    at_sum = sum(float(losses[f"loss_distill_at.{s}"]) for s in stages)
    assert float(summed(inputs)["loss_distill_at"]) == pytest.approx(at_sum, rel=1e-4)


def test_sr_uses_the_teachers_own_classifier(teacher_file):
    model = _distill("shapes_cls_adaptive_at_sr", teacher_file)
    sr = next(p for p in model.distiller.paths if p.name == "sr")
    assert sr.loss.teacher_head is model.teacher.head.linear
    assert not any(p.requires_grad for p in sr.loss.teacher_head.parameters())
    adapter = sr.adapters["0"]  # student res5 (64 channels) widened to the teacher's (128) by 1x1 conv + BN
    assert (adapter.proj.in_channels, adapter.proj.out_channels, adapter.proj.kernel_size) == (64, 128, (1, 1))
    assert isinstance(adapter.proj.norm, torch.nn.BatchNorm2d)
    # Eval returns the teacher's logits for the agreement error, equal to the teacher run alone.
    model.eval()
    inputs = [{"image": torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)} for _ in range(2)]
    outputs = model(inputs)
    expected = torch.stack([o["logits"] for o in model.teacher(inputs)])
    torch.testing.assert_close(torch.stack([o["teacher_logits"] for o in outputs]), expected)


def test_fm_sr_share_the_fm_adapters(teacher_file):
    model = _distill("shapes_cls_hand_tuned_fm_sr", teacher_file)
    fm, sr = model.distiller.paths
    assert fm.student_taps == [f"backbone:res{i}" for i in (2, 3, 4, 5)]
    assert sr.adapters["0"] is fm.adapters["3"]


def test_sr_teacher_input_feature_by_hand():
    head = torch.nn.Linear(3, 2)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0, 0, 2], [0, -1, 1]]))
        head.bias.copy_(torch.tensor([0.5, 0.0]))
    loss = SoftmaxRegressionLoss(head, teacher_input="feature")
    student, teacher = torch.tensor([[1.0, 1, 1]]), torch.tensor([[0.0, 2, 0]])
    # W s + b = (3.5, 0), W t + b = (0.5, -2): mean of 3² and 2² = 6.5
    assert float(loss(student, teacher)) == pytest.approx(6.5)


def test_sr_teacher_head_name_errors():
    loss = SoftmaxRegressionLoss("head.linaer")
    with pytest.raises(RuntimeError, match="never bound"):
        loss.teacher_head
    teacher = torch.nn.Module()
    teacher.head = torch.nn.Module()
    teacher.head.linear = torch.nn.Linear(2, 2)
    with pytest.raises(KeyError, match="no module 'head.linaer'. Close matches: head.linear"):
        loss.bind_teacher(teacher)


def test_imagenet1k_needs_its_1000_class_folders(tmp_path):
    from detectron2.data import DatasetCatalog

    from adakd.data import register_classification_datasets

    (tmp_path / "imagenet" / "val" / "n00000001").mkdir(parents=True)
    try:
        register_classification_datasets(str(tmp_path))
        with pytest.raises(ValueError, match=r"imagenet/val has 1 class folders, expected 1000"):
            DatasetCatalog.get("imagenet1k_val")
        with pytest.raises(FileNotFoundError, match=r"imagenet/train does not exist"):
            DatasetCatalog.get("imagenet1k_train")
    finally:
        register_classification_datasets()
