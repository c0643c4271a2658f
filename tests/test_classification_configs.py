"""Every classification config (Tables 2 and 3, Figure 2, for CIFAR-10/100, ImageNet-200/1K and the
embedded shapes_cls) runs as a user would run it on tiny trees in the official layouts: the teacher config
first, then each distillation row from the teacher it wrote. Only batch, iterations, workers, device and image
size (ImageNet-200: 32 px fakes; ImageNet-1K: 64 / 56 px) are changed.

Teachers, students and one row per (dataset, aggregator) train two iterations and evaluate: the evaluation is
checked against the top-1 errors computed here from the trained model's logits and the dataset's own labels.
The other rows train one step without evaluation. Every path's loss is logged, and each adaptive row's learned
log-weights z must have moved from their start."""
import contextlib
import functools
import glob
import json
import math
import os

import pytest
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog

from adakd.data import ShapesClassificationSpec, register_classification_datasets
from adakd.engine.lazy_train import do_train

from .config_runs import (
    CONFIG_DIR,
    evaluated_runs,
    load_config,
    no_checkpoint_saves,
    one_step_without_evaluation,
)
from .fake_classification_datasets import write_cifar_trees, write_imagenet1k_tree, write_tiny_imagenet_tree

DATASETS = ("cifar10", "cifar100", "imagenet200", "imagenet1k", "shapes_cls")
CONFIGS = sorted(
    os.path.basename(p)[:-3] for ds in DATASETS for p in glob.glob(os.path.join(CONFIG_DIR, f"{ds}_*.py"))
)
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "imagenet200": 200, "imagenet1k": 1000, "shapes_cls": 6}
# Rows of the paper: 26 per dataset (student, teacher, 4 single, 3 multi-path baselines, adaptive, Table 3's
# 3 adaptive + 3 layerwise + 4-path hand-tuned, Figure 2's 10 AT/FM/OFD x ST/SR pairs beyond AT + ST).
ROWS_PER_DATASET = 26
# The multitask balancers as aggregators of AT + ST: extra rows of the embedded benchmark only.
# Fake Tiny-ImageNet images: 32 px instead of 64 (a quarter of the convolutions; the layout is the same).
TINY_IMAGENET_SIZE = 32
BALANCER_ROWS = ("uncertainty", "dwa", "gradnorm", "pcgrad", "cagrad", "imtl_g", "nash_mtl", "famo", "rlw", "aligned_mtl", "db_mtl", "uw_so")


def _dataset(name):
    return next(ds for ds in sorted(DATASETS, key=len, reverse=True) if name.startswith(ds + "_"))


# Teachers, students and one row per (dataset, aggregator) train two iterations and evaluate (47 runs); the
# other rows (single paths, Figure 2's pairs, Table 3's variants) train one step without evaluation. Chosen when
# the first test runs, not at collection (which every xdist worker does for every file).
@functools.cache
def evaluated_configs():
    return evaluated_runs(CONFIGS, _dataset)


def load_small(name):
    cfg = load_config(name)
    for split in ("train", "test"):
        for aug in cfg.dataloader[split].mapper.augmentations:  # ImageNet-1K: 64 px instead of 256 / 224
            if "short_edge_length" in aug:
                aug.short_edge_length = (64,) if split == "train" else 64
            if "crop_size" in aug:
                aug.crop_size = (56, 56)
        cfg.dataloader[split].num_workers = 0
    cfg.dataloader.train.total_batch_size = 2
    cfg.dataloader.test.batch_size = 2
    cfg.train.max_iter = 2
    cfg.train.device = "cpu"
    if "teacher_weights" in cfg.model:
        # The teacher this workspace trained (shapes_cls ships its teacher in the zoo; tested there).
        cfg.model.teacher_weights = f"./output/{_dataset(name)}_teacher/model_final.pth"
        cfg.model.probe_size = {"imagenet1k": (56, 56), "imagenet200": (TINY_IMAGENET_SIZE,) * 2}.get(
            _dataset(name), cfg.model.probe_size)
    return cfg


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("classification_configs")
    datasets = str(root / "datasets")
    write_cifar_trees(datasets)
    write_tiny_imagenet_tree(datasets, size=TINY_IMAGENET_SIZE)
    write_imagenet1k_tree(datasets)
    register_classification_datasets(datasets, ShapesClassificationSpec(num_train=8, num_test=4))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        yield {}
    finally:
        os.chdir(cwd)
        register_classification_datasets()


def _predictions(model, cfg):
    """Top-1 classes of the student (and teacher, for distillation rows) on ``cfg``'s test loader."""
    student = getattr(model, "student", model)
    teacher = getattr(model, "teacher", None)
    student_pred, teacher_pred = [], []
    model.eval()
    with torch.no_grad():
        for batch in instantiate(cfg.dataloader.test):
            images = student.preprocess_image(batch)
            student_pred += student.logits(images).argmax(dim=1).tolist()
            if teacher is not None:
                teacher_pred += teacher.logits(teacher.preprocess_image(batch)).argmax(dim=1).tolist()
    return torch.tensor(student_pred), torch.tensor(teacher_pred)


def test_every_row_has_a_config():
    # The balancers, and MGDA-UB's representation variant of multiobjective: shapes_cls rows only.
    assert len(CONFIGS) == ROWS_PER_DATASET * len(DATASETS) + len(BALANCER_ROWS) + 1
    assert {f"shapes_cls_{row}" for row in BALANCER_ROWS + ("multiobjective_representation",)} <= set(CONFIGS)
    for ds in DATASETS:
        assert {f"{ds}_student", f"{ds}_teacher", f"{ds}_adaptive", f"{ds}_adaptive_layerwise_four_paths",
                f"{ds}_hand_tuned_fm_sr", f"{ds}_hand_tuned_ofd_st", f"{ds}_adaptive_ofd_sr"} <= set(CONFIGS)


@pytest.mark.parametrize("name", sorted(CONFIGS, key=lambda n: (not n.endswith("_teacher"), n)))
def test_config_trains(workspace, name):
    dataset = _dataset(name)
    teacher_file = f"./output/{dataset}_teacher/model_final.pth"
    if "teacher_weights" in load_config(name).model:
        if not os.path.exists(teacher_file):
            do_train(load_small(f"{dataset}_teacher"))
    evaluated = name in evaluated_configs()
    cfg = load_small(name) if evaluated else one_step_without_evaluation(load_small(name))
    with contextlib.nullcontext() if evaluated else no_checkpoint_saves():
        model = do_train(cfg)
    if not name.endswith("_teacher"):  # only teachers are read again; 110 checkpoints would fill ~8 GB of /tmp
        for file in os.listdir(cfg.train.output_dir):
            if file.endswith(".pth"):
                os.remove(os.path.join(cfg.train.output_dir, file))

    with open(os.path.join(cfg.train.output_dir, "metrics.json")) as f:
        record = [json.loads(line) for line in f if "total_loss" in line][-1]
    assert record["iteration"] == cfg.train.max_iter - 1 and math.isfinite(record["total_loss"])
    student = getattr(model, "student", model)
    assert student.head.linear.out_features == NUM_CLASSES[dataset]
    results_file = os.path.join(cfg.train.output_dir, "eval_results.json")
    if not evaluated:
        assert not os.path.exists(results_file)
        _check_paths_and_weights(cfg, model, record)
        return
    with open(results_file) as f:
        results = json.load(f)["classification"]
    # The reported errors are those of the trained model on the test set, computed here from its logits and
    # the labels of the registered dataset (not the mapper's), in the test loader's (sequential) order.
    labels = torch.tensor([d["label"] for d in DatasetCatalog.get(cfg.dataloader.test.dataset.names)])
    student_pred, teacher_pred = _predictions(model, cfg)
    assert len(student_pred) == len(labels)
    assert results["top1_err"] == pytest.approx(100.0 * (student_pred != labels).double().mean().item())
    if hasattr(model, "distiller"):
        # Distillation rows report the agreement with their teacher, and log every path's loss term.
        assert results["top1_agreement_err"] == pytest.approx(
            100.0 * (student_pred != teacher_pred).double().mean().item())
        assert results["teacher_top1_err"] == pytest.approx(100.0 * (teacher_pred != labels).double().mean().item())
    else:
        assert "top1_agreement_err" not in results
    _check_paths_and_weights(cfg, model, record)


def _check_paths_and_weights(cfg, model, record):
    """Every path's loss term is logged; adaptive z moved from its start; the student's weights are finite."""
    if hasattr(model, "distiller"):
        z = getattr(model.distiller.aggregator, "neg_log_path_weights", None)
        if z is not None:  # adaptive rows: z starts at 0 (v = 1) and every SGD step of Eq. 6 moves every z_i
            assert cfg.model.aggregator.get("init_weights") is None
            assert (z.detach() != 0).all(), z
        path_names = [p.name for p in cfg.model.paths]
        terms = model.distiller.term_names
        assert all(f"loss_distill_{t}" in record for t in terms)
        layerwise = [p.name for p in cfg.model.paths if p.get("layerwise")]
        assert len(terms) == len(path_names) + 3 * len(layerwise)  # 4 stages per layerwise path
    assert all(torch.isfinite(p).all() for p in getattr(model, "student", model).parameters())
