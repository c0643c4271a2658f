"""Students from any distillation run: the two-step "train distilled, evaluate the student" path of the README,
and ``--eval-only`` refusing weights that leave the model's parameters missing."""
import json
import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

from .cli_runs import CONFIGS, environment, eval_command, load, run


def _strict_json(path):
    def refuse(constant):
        raise ValueError(f"{path} holds {constant}, which is not JSON")

    with open(path) as f:
        return json.load(f, parse_constant=refuse)


def test_distillation_run_writes_students_that_load_strictly_into_the_student_config(distillation_run):
    student = instantiate(LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py")).model)
    for name in ("model_final", "model_0000019", "model_0000014"):
        weights = load(os.path.join(distillation_run, f"{name}_student.pth"))["model"]
        student.load_state_dict(weights, strict=True)
        full = load(os.path.join(distillation_run, f"{name}.pth"))["model"]
        assert weights.keys() == {k[len("student."):] for k in full if k.startswith("student.")}
        for key, value in weights.items():
            assert torch.equal(value, full[f"student.{key}"]), key
    # max_to_keep=2 rotated model_0000004/9 out; their students went with them.
    files = os.listdir(distillation_run)
    assert not [f for f in files if f.startswith(("model_0000004", "model_0000009"))], files


def test_student_file_evaluates_in_the_student_config_as_in_the_distillation_run(distillation_run, tiny_shapes,
                                                                                 tmp_path):
    run(eval_command("shapes_student.py", os.path.join(distillation_run, "model_final_student.pth"), tmp_path),
        environment(tiny_shapes))
    # The distillation model's inference is its student's: the same detections, the same metrics.
    measured = _strict_json(tmp_path / "eval_results.json")
    assert measured == _strict_json(os.path.join(distillation_run, "eval_results.json"))
    # pycocotools gives NaN for an area range without ground truth (no large shape in the tiny set): null.
    assert measured["bbox"]["APl"] is None and measured["bbox"]["AP"] > 0


def test_eval_only_with_the_distillation_checkpoint_names_the_missing_student_weights(distillation_run, tiny_shapes,
                                                                                     tmp_path):
    checkpoint = os.path.join(distillation_run, "model_final.pth")
    result = run(eval_command("shapes_student.py", checkpoint, tmp_path), environment(tiny_shapes), check=False)
    assert result.returncode != 0 and not (tmp_path / "eval_results.json").exists()
    # Every weight of the student (BN's step counters aside, which detectron2 does not report).
    student = instantiate(LazyConfig.load(os.path.join(CONFIGS, "shapes_student.py")).model).state_dict()
    expected = len([k for k in student if not k.endswith("num_batches_tracked")])
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"Error: {checkpoint} leaves {expected} parameters of GFL missing: ")
    assert "backbone.bottom_up.res2.0.conv1.weight" in message
    assert "model_final_student.pth, the student alone" in message and "--allow-missing-weights" in message

    allowed = run(eval_command("shapes_student.py", checkpoint, tmp_path, "--allow-missing-weights"),
                  environment(tiny_shapes))
    assert "Some model parameters or buffers are not found in the checkpoint" in allowed.stdout + allowed.stderr
    assert (tmp_path / "eval_results.json").exists()


def test_check_no_missing_weights_counts_wrong_shapes_as_missing():
    from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer
    from adakd.engine.lazy_train import MissingWeightsError, check_no_missing_weights

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    checkpointer = AtomicCheckpointer(model)
    checkpointer._load_model({"model": {"0.weight": torch.zeros(3, 2), "0.bias": torch.zeros(4)}})
    with pytest.raises(MissingWeightsError, match=r"leaves 3 parameters of Sequential missing \(1 of them with a "
                                                  r"wrong shape\): 0.bias, 1.bias, 1.weight\."):
        check_no_missing_weights(checkpointer.incompatible_keys, "Sequential", "w.pth")
    checkpointer._load_model({"model": {k: torch.zeros_like(v) for k, v in model.state_dict().items()}})
    check_no_missing_weights(checkpointer.incompatible_keys, "Sequential", "w.pth")  # complete: no error


def test_a_plain_student_checkpoint_initialises_the_student_of_a_distillation_config():
    # A plain student's checkpoint (here the shipped detection student, as segmentation students started from it
    # until shapes v3) given as train.init_checkpoint of a distillation config: the backbone weights must arrive
    # in model.student, not be reported missing while the student keeps its random initialisation. (Pretrained
    # backbones with matching heuristics: tests/test_pretrained_backbones.py.)
    from adakd import model_zoo
    from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer

    cfg = LazyConfig.load(os.path.join(CONFIGS, "shapes_sem_seg_adaptive.py"))
    model = instantiate(cfg.model)
    checkpointer = AtomicCheckpointer(model)
    checkpointer.load("zoo://shapes_gfl_r18_student")
    shipped = torch.load(model_zoo.get_checkpoint("shapes_gfl_r18_student"), map_location="cpu",
                         weights_only=True)["model"]
    student = model.student.state_dict()
    backbone = [k for k in shipped if k.startswith("backbone.bottom_up.")]  # the ResNet (not the P6/P7 block)
    assert len(backbone) > 50
    for key in backbone:
        assert torch.equal(student[key], shipped[key].to(student[key].dtype)), key
    # What stays missing is what the plain segmentation student misses from the same file (the head, FPN's
    # P2 level, which the detector lacks), plus the distiller's z.
    from detectron2.checkpoint import DetectionCheckpointer

    plain = instantiate(LazyConfig.load(os.path.join(CONFIGS, "shapes_sem_seg_student.py")).model)
    plain_missing = DetectionCheckpointer(plain)._load_model(
        {"model": dict(shipped)}).missing_keys  # the plain student's own load of the file
    assert set(checkpointer.incompatible_keys.missing_keys) == {f"student.{k}" for k in plain_missing} | {
        "distiller.aggregator.neg_log_path_weights"}
