"""Every ADE20K / Cityscapes Semantic FPN config of Table 4 runs as a user would run it (teacher and student
from "ImageNet" weights, distillation from the trained teacher) on tiny trees in the real layouts, prepared
by the documented steps: datasets/prepare_ade20k_sem_seg.py and cityscapesscripts' createTrainIdLabelImgs.
Only image size (short edge 64, 64x64 crops), batch, iterations, workers and device are changed."""
import functools
import json
import math
import os
import pickle
import shutil
import subprocess
import sys

import pytest
import torch

from .config_runs import (
    Workspace,
    evaluated_runs,
    min_norm_by_autograd,
    write_imagenet_stand_ins,
)
from .fake_datasets import (
    builtin_datasets_at,
    write_ade20k_tree,
    write_cityscapes_train_ids,
    write_cityscapes_tree,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DISTILL_ROWS = ["single_at", "single_st", "hand_tuned", "equal", "multiobjective", "adaptive"]
NUM_CLASSES = {"ade20k": 150, "cityscapes_sem_seg": 19}
PREREQUISITES = {
    **{f"{ds}_{m}": [] for ds in NUM_CLASSES for m in ("teacher", "student")},
    **{f"{ds}_{row}": [f"{ds}_teacher"] for ds in NUM_CLASSES for row in DISTILL_ROWS},
}
# Teachers, students and one distillation row per aggregator train two iterations and evaluate; the other rows
# (the single paths) train one step without evaluation.
# Chosen when the first test runs, not at collection (which every xdist worker does for every file).
@functools.cache
def evaluated_configs():
    return evaluated_runs(PREREQUISITES, lambda name: next(ds for ds in NUM_CLASSES if name.startswith(ds + "_")))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("segmentation_configs")
    datasets = str(root / "datasets")
    write_ade20k_tree(datasets)
    subprocess.run([sys.executable, os.path.join(ROOT, "datasets", "prepare_ade20k_sem_seg.py"), "--root",
                    os.path.join(datasets, "ADEChallengeData2016")], check=True, stdout=subprocess.DEVNULL)
    write_cityscapes_tree(datasets)
    write_cityscapes_train_ids(datasets)
    write_imagenet_stand_ins(str(root))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with builtin_datasets_at(datasets):
            yield Workspace(root, PREREQUISITES, evaluated_configs())
    finally:
        os.chdir(cwd)
        shutil.rmtree(root, ignore_errors=True)  # GBs of checkpoints: gone with the module, passed or failed


def _eval_results(cfg):
    with open(os.path.join(cfg.train.output_dir, "eval_results.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("name", ["ade20k_teacher", "ade20k_student", "cityscapes_sem_seg_teacher",
                                  "cityscapes_sem_seg_student"])
def test_semantic_fpn_config_trains_from_imagenet_weights(workspace, name):
    cfg, model, metrics = workspace.run(name)
    dataset, depth = name.rsplit("_", 1)[0], 101 if name.endswith("teacher") else 18
    assert math.isfinite(metrics["total_loss"])
    assert model.sem_seg_head.predictor.out_channels == NUM_CLASSES[dataset]
    assert len(model.backbone.bottom_up.res4) == {18: 2, 101: 23}[depth]
    with open(f"pretrained/R-{depth}.pkl", "rb") as f:
        source = torch.as_tensor(pickle.load(f)["model"]["stem.conv1.weight"])
    final = torch.load(os.path.join(cfg.train.output_dir, "model_final.pth"), weights_only=True)["model"]
    torch.testing.assert_close(final["backbone.bottom_up.stem.conv1.weight"], source, rtol=0, atol=0)  # frozen stem

    results = _eval_results(cfg)
    assert {"mIoU", "mACC"} <= set(results["sem_seg"])
    if dataset == "cityscapes_sem_seg":  # the official cityscapesscripts evaluation ran on the same predictions
        assert {"IoU", "iIoU"} <= set(results["cityscapes_sem_seg"])


@pytest.mark.parametrize("dataset", sorted(NUM_CLASSES))
@pytest.mark.parametrize("row", DISTILL_ROWS)
def test_semantic_fpn_distillation_config_trains(workspace, dataset, row):
    cfg, model, metrics = workspace.run(f"{dataset}_{row}")
    paths = [p.name for p in cfg.model.paths]
    assert paths == {"single_at": ["at"], "single_st": ["st"]}.get(row, ["at", "st"])
    assert math.isfinite(metrics["total_loss"])
    weights = {p: metrics[f"distill/{p}/weight"] for p in paths}
    method = cfg.model.aggregator.method
    if method == "hand_tuned":  # §3.3: v = [1000, 0.1]
        assert weights == pytest.approx({p: {"at": 1000.0, "st": 0.1}[p] for p in paths}, rel=1e-6)  # float32
    elif method == "equal":
        assert weights == {p: 1.0 for p in paths}
    elif method == "multiobjective":  # Eq. 4: the min-norm point of the two paths' gradients
        chosen, expected = min_norm_by_autograd(cfg, model)
        assert chosen == pytest.approx(expected, abs=1e-4)
    else:  # adaptive, Eq. 6: dz = α(1 − v·L), so from v = 1 a path's weight falls when its loss exceeds 1
        assert method == "adaptive"
        checked = 0
        for p in paths:
            loss = metrics[f"distill/{p}/loss"]
            if abs(loss - 1) > 0.1:  # near 1 the sign of the step is lost in float noise
                assert (weights[p] < 1) == (loss > 1), (p, loss, weights[p])
                checked += 1
        assert checked > 0, {p: metrics[f"distill/{p}/loss"] for p in paths}

    teacher_file = torch.load(f"output/{dataset}_teacher/model_final.pth", weights_only=True)["model"]
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, teacher_file[key], rtol=0, atol=0, msg=key)
    assert model.student.sem_seg_head.predictor.out_channels == NUM_CLASSES[dataset]
    if f"{dataset}_{row}" in evaluated_configs():
        assert "mIoU" in _eval_results(cfg)["sem_seg"]
    else:  # one step, no evaluation
        assert metrics["iteration"] == 0
        assert not os.path.exists(os.path.join(cfg.train.output_dir, "eval_results.json"))
