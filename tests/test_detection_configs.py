"""Every COCO / Cityscapes detection config of Table 5 runs as a user would run it, in order (teacher and
student from "ImageNet" weights, Cityscapes from the COCO runs, distillation from the trained teacher),
on tiny trees in the real layouts. Only image size, batch, iterations, workers and device are changed.

The "ImageNet" weights are torchvision's ResNet-18/101 architectures at their own initialisation (with
zero-initialised residual branches, so the untrained R101 gives finite features), converted by
adakd.checkpoint exactly as tools/convert_torchvision_resnet.py converts the real ones.
"""
import functools
import json
import math
import os
import pickle
import shutil

import pytest
import torch

from .config_runs import (
    Workspace,
    evaluated_runs,
    min_norm_by_autograd,
    write_imagenet_stand_ins,
)
from .fake_datasets import builtin_datasets_at, write_cityscapes_tree, write_coco_tree

DISTILL_ROWS = [
    "single_feats", "single_box", "hand_tuned", "multiobjective", "adaptive",
    "single_feats_b", "hand_tuned_feats_b", "multiobjective_feats_b", "adaptive_feats_b",
    "single_pkd", "hand_tuned_pkd_box", "adaptive_pkd_box",  # PKD in place of Feats_P (issue 27)
    "single_crosskd", "hand_tuned_pkd_crosskd_box", "adaptive_pkd_crosskd_box",  # and CrossKD
]
NUM_CLASSES = {"coco": 80, "cityscapes": 8}
# What each run needs from an earlier one: the paper's order of training.
PREREQUISITES = {
    "coco_teacher": [], "coco_student": [],
    "cityscapes_teacher": ["coco_teacher"], "cityscapes_student": ["coco_student"],
    # Cityscapes students, distilled or not, start from the COCO student (common/cityscapes_det_schedule.py).
    **{f"{ds}_{row}": [f"{ds}_teacher"] + (["coco_student"] if ds == "cityscapes" else [])
       for ds in NUM_CLASSES for row in DISTILL_ROWS},
}
# Teachers, students and one distillation row per aggregator train two iterations and evaluate; the other rows
# (single paths, Feats_B variants) train one step without evaluation.
# Chosen when the first test runs, not at collection (which every xdist worker does for every file).
@functools.cache
def evaluated_configs():
    return evaluated_runs(PREREQUISITES, lambda name: name.split("_")[0])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("detection_configs")
    write_coco_tree(str(root / "datasets"))
    write_cityscapes_tree(str(root / "datasets"))
    write_imagenet_stand_ins(str(root))
    cwd = os.getcwd()
    os.chdir(root)  # the configs' relative paths (pretrained/, output/) resolve here, as in a user's checkout
    try:
        with builtin_datasets_at(str(root / "datasets")):
            yield Workspace(root, PREREQUISITES, evaluated_configs())
    finally:
        os.chdir(cwd)
        shutil.rmtree(root, ignore_errors=True)  # GBs of checkpoints: gone with the module, passed or failed


def _checkpoint(path):
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


@pytest.mark.parametrize("name", ["coco_teacher", "coco_student", "cityscapes_teacher", "cityscapes_student"])
def test_detector_config_trains_from_its_initialisation(workspace, name):
    cfg, model, metrics = workspace.run(name)
    dataset = name.split("_")[0]
    assert metrics["iteration"] == 1 and math.isfinite(metrics["total_loss"])
    assert model.head.cls_score.out_channels == NUM_CLASSES[dataset]
    depth = 101 if name.endswith("teacher") else 18
    assert len(model.backbone.bottom_up.res4) == {18: 2, 101: 23}[depth]

    # The stem is frozen (freeze_at=2): after training it still equals its source, which proves the
    # initialisation reached the model (torchvision names matched for COCO, COCO weights for Cityscapes).
    stem = _checkpoint(os.path.join(cfg.train.output_dir, "model_final.pth"))["backbone.bottom_up.stem.conv1.weight"]
    if dataset == "coco":
        with open(f"pretrained/R-{depth}.pkl", "rb") as f:
            source = torch.as_tensor(pickle.load(f)["model"]["stem.conv1.weight"])
    else:
        source = _checkpoint(f"output/coco_{name.split('_')[1]}/model_final.pth")["backbone.bottom_up.stem.conv1.weight"]
    torch.testing.assert_close(stem, source, rtol=0, atol=0)

    with open(os.path.join(cfg.train.output_dir, "eval_results.json")) as f:
        assert set(json.load(f)["bbox"]) >= {"AP", "AP50", "AP75"}


@pytest.mark.parametrize("dataset", sorted(NUM_CLASSES))
@pytest.mark.parametrize("row", DISTILL_ROWS)
def test_distillation_config_trains_with_its_paths_and_aggregator(workspace, dataset, row):
    cfg, model, metrics = workspace.run(f"{dataset}_{row}")
    paths = [p.name for p in cfg.model.paths]
    expected_paths = {"single_feats": ["feats_p"], "single_box": ["box"], "single_feats_b": ["feats_b"],
                      "single_pkd": ["pkd"], "single_crosskd": ["crosskd"]}.get(
        row, ["pkd", "crosskd", "box"] if row.endswith("pkd_crosskd_box") else
        ["feats_b" if row.endswith("feats_b") else "pkd" if row.endswith("pkd_box") else "feats_p", "box"]
    )
    assert paths == expected_paths
    assert math.isfinite(metrics["total_loss"])
    weights = {p: metrics[f"distill/{p}/weight"] for p in paths}
    for p in paths:
        assert math.isfinite(metrics[f"distill/{p}/loss"])
    method = cfg.model.aggregator.method
    if method == "hand_tuned":  # the authors' weights: feature KD 1, LD 0.25, PKD 10 (mmrazor's one-stage), CrossKD 1
        assert weights == {p: {"feats_p": 1.0, "feats_b": 1.0, "box": 0.25, "pkd": 10.0, "crosskd": 1.0}[p] for p in paths}
    elif method == "multiobjective":  # Eq. 4: the min-norm point of the two paths' gradients
        chosen, expected = min_norm_by_autograd(cfg, model)
        assert chosen == pytest.approx(expected, abs=1e-4)
    else:  # adaptive: v = e^-z starts at 1 and two warm-up steps (lr 2e-5 and 4e-5) barely move it
        assert method == "adaptive"
        assert all(abs(v - 1) < 1e-3 for v in weights.values()), weights
        # ... but they do move it, downhill on Eq. 6: ∂/∂z_i = α (1 − v_i L_i) with v_i ≈ 1, so z_i falls
        # (v_i grows) where the path loss is below 1 and rises where it is above.
        z = model.distiller.aggregator.neg_log_path_weights.detach()
        for p, z_i in zip(paths, z.tolist()):
            loss = metrics[f"distill/{p}/loss"]
            assert z_i != 0 and (z_i > 0) == (loss > 1), (p, z_i, loss)

    # The teacher is the trained teacher run, untouched; a checkpoint holds the student (+ adapters, z).
    teacher_file = _checkpoint(f"output/{dataset}_teacher/model_final.pth")
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, teacher_file[key], rtol=0, atol=0, msg=key)
    assert model.student.head.cls_score.out_channels == NUM_CLASSES[dataset]
    results = os.path.join(cfg.train.output_dir, "eval_results.json")
    if f"{dataset}_{row}" in evaluated_configs():
        saved = _checkpoint(os.path.join(cfg.train.output_dir, "model_final.pth"))
        assert not any(k.startswith("teacher") or ".teacher." in k for k in saved)
        with open(results) as f:
            assert set(json.load(f)["bbox"]) >= {"AP", "AP50", "AP75"}
    else:  # one step, no evaluation, no checkpoint (tests/config_runs.py)
        assert metrics["iteration"] == 0 and not os.path.exists(results)
