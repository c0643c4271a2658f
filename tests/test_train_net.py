"""tools/lazyconfig_train_net.py and the library pieces behind it."""
import os
import re
import subprocess
import sys

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog, DatasetMapper
from detectron2.modeling.backbone import ResNet
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage

from adakd.config import apply_checked_overrides, check_dataset_names
from adakd.engine import GradientClipHook
from adakd.engine.lazy_train import do_train, resolve_device
from adakd.modeling.backbone import make_resnet_stages

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDENT = os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_student.py")
TEACHER = os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_teacher.py")


def run_tool(*args, env=None):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools/lazyconfig_train_net.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def error_line(result):
    """The tool's error: a non-zero exit, no traceback, and the last line of stderr (returned)."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr.strip().splitlines()[-1]


def cli_error(*args):
    """The tool's error, run in this process (no interpreter start-up per check): its ``cli`` must end with
    SystemExit carrying the message as a string, which Python prints alone, without a traceback, and exits 1
    with (the subprocess checks above and below show that end to end)."""
    from .cli_runs import train_net_tool

    with pytest.raises(SystemExit) as exit_info:
        train_net_tool().cli([str(a) for a in args])
    assert isinstance(exit_info.value.code, str), exit_info.value.code
    return exit_info.value.code


def test_missing_config_file_is_named(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli_error("--config-file", "projects/AdaptiveKD/configs/no_such_config.py") == (
        "Config file 'projects/AdaptiveKD/configs/no_such_config.py' does not exist")


def test_unknown_override_key_is_refused_with_suggestion():
    assert re.fullmatch(r"Error: Unknown config key 'train\.max_iters' in override 'train\.max_iters=10'\. Did you "
                        r"mean: train\.max_iter(, [\w.]+)*\? \(Write '\+train\.max_iters=10' to add a new key on "
                        r"purpose\.\)", cli_error("--config-file", STUDENT, "train.max_iters=10"))

    cfg = LazyConfig.load(STUDENT)
    cfg = apply_checked_overrides(cfg, ["train.max_iter=10", "+train.note=hello", "model.head.conv_dims=[8,8]"])
    assert cfg.train.max_iter == 10 and cfg.train.note == "hello" and list(cfg.model.head.conv_dims) == [8, 8]
    with pytest.raises(ValueError, match="'train.max_iter' is not of the form key=value"):
        apply_checked_overrides(cfg, ["train.max_iter"])


def test_unregistered_dataset_is_named():
    cfg = apply_checked_overrides(LazyConfig.load(STUDENT), ["dataloader.train.dataset.names=shapes_trian"])
    with pytest.raises(KeyError, match="dataloader.train.dataset.names = 'shapes_trian' is not a registered.*shapes_train"):
        check_dataset_names(cfg)
    assert cli_error("--config-file", STUDENT, "dataloader.test.dataset.names=shapes_vall").startswith("Error: dataloader.test.dataset.names = 'shapes_vall' is not a registered "
                                         "dataset. Close matches: shapes_val")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU fallback")
def test_cuda_request_falls_back_to_cpu():
    cfg = LazyConfig.load(STUDENT)
    assert cfg.train.device == "cuda"
    assert resolve_device(cfg) == "cpu" and cfg.train.device == "cpu"


def test_resnet_stages_match_detectron2_defaults_at_width_64():
    for depth in (18, 101):
        ours = torch.nn.ModuleList([torch.nn.Sequential(*s) for s in make_resnet_stages(depth, 64, norm="BN")])
        ref = torch.nn.ModuleList([torch.nn.Sequential(*s) for s in ResNet.make_default_stages(depth, norm="BN")])
        assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in ref.parameters()]
    half = make_resnet_stages(101, 32)
    assert [len(s) for s in half] == [3, 4, 23, 3]
    assert [s[-1].out_channels for s in half] == [128, 256, 512, 1024]


def test_teacher_config_is_depth_101():
    model = instantiate(LazyConfig.load(TEACHER).model)
    blocks = [m for m in model.backbone.bottom_up.modules() if type(m).__name__ == "BottleneckBlock"]
    # 33 bottleneck blocks of 3 convs + stem conv + final FC-free head = 100 conv layers in the trunk.
    assert len(blocks) == 3 + 4 + 23 + 3


def test_gradient_clip_hook_scales_to_max_norm():
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([3.0, 4.0])  # norm 5

    class FakeTrainer:
        optimizer = torch.optim.SGD([w], lr=0.1)

    hook = GradientClipHook(max_norm=1.0)
    hook.trainer = FakeTrainer()
    with EventStorage(0) as storage:
        hook.after_backward()
        assert storage.history("grad_norm").latest() == pytest.approx(5.0)
    assert torch.allclose(w.grad, torch.tensor([0.6, 0.8]), atol=1e-6)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        GradientClipHook(max_norm=0)


def _loss_on_fixed_batch(model, batch):
    with EventStorage(0), torch.no_grad():
        model.train()
        losses = model(batch)
    assert set(losses) == {"loss_qfl", "loss_bbox", "loss_dfl"}  # GFL's three terms
    return float(sum(losses.values()))


def test_few_iterations_lower_the_loss(tiny_shapes, tmp_path):
    """The project's training path (do_train, the shipped student config) lowers GFL's loss on a fixed batch,
    and the trained detector's inference output is detectron2's (≤ 100 boxes of 4 coordinates, scores above
    the config's threshold)."""
    cfg = apply_checked_overrides(
        LazyConfig.load(STUDENT),
        [
            "dataloader.train.dataset.names=tiny_shapes_train",
            "dataloader.test.dataset.names=tiny_shapes_val",
            "dataloader.train.num_workers=0",
            "dataloader.test.num_workers=0",
            "train.max_iter=30",
            "train.device=cpu",
            f"train.output_dir={tmp_path}",
        ],
    )
    mapper = DatasetMapper(is_train=True, augmentations=[], image_format="BGR")
    batch = [mapper(d) for d in DatasetCatalog.get("tiny_shapes_train")[:8]]

    seed_all_rng(0)
    initial = _loss_on_fixed_batch(instantiate(cfg.model), batch)
    seed_all_rng(0)
    model = do_train(cfg)
    trained = _loss_on_fixed_batch(model, batch)
    print(f"loss on a fixed batch: {initial:.3f} -> {trained:.3f}")
    assert trained < 0.9 * initial, (initial, trained)
    assert os.path.exists(tmp_path / "model_final.pth") and os.path.exists(tmp_path / "eval_results.json")

    model.eval()
    with torch.no_grad():
        out = model(batch[:1])[0]["instances"]
    assert len(out) <= model.max_detections_per_image == 100 and out.pred_boxes.tensor.shape[1] == 4
    assert (out.scores >= model.test_score_thresh).all() and model.test_score_thresh == 0.05


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    from adakd.utils.atomic_write import atomic_open, atomic_write_json

    target = tmp_path / "results.json"
    atomic_write_json(str(target), {"AP": 1.0})
    with pytest.raises(RuntimeError):
        with atomic_open(str(target)) as f:
            f.write('{"AP": 2.')
            raise RuntimeError("interrupted")
    assert target.read_text().replace(" ", "").replace("\n", "") == '{"AP":1.0}'
    assert os.listdir(tmp_path) == ["results.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_json_results_are_strict_json_with_null_for_non_finite(tmp_path):
    import json

    from adakd.utils.atomic_write import atomic_write_json

    path = tmp_path / "eval_results.json"
    atomic_write_json(str(path), {"bbox": {"AP": 12.5, "APl": float("nan"), "max": float("inf")}, "n": [1.0, -float("inf")]})
    # Python's json module reads NaN by default; a strict reader (here: one refusing NaN/Infinity) must accept it.
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "bbox": {"AP": 12.5, "APl": None, "max": None}, "n": [1.0, None]}


def test_eval_only_without_weights_is_refused(tmp_path):
    # The shapes student's config starts from a pretrained backbone: an empty init_checkpoint is "no weights".
    assert cli_error("--config-file", STUDENT, "--eval-only", "train.device=cpu", "train.init_checkpoint=",
                     f"train.output_dir={tmp_path}") == "--eval-only needs weights: pass train.init_checkpoint=<path or URL>"


def _eval_only(weights, output_dir):
    return cli_error("--config-file", STUDENT, "--eval-only", f"train.init_checkpoint={weights}", "train.device=cpu",
                     f"train.output_dir={output_dir}")


def _truncated_checkpoint(folder):
    """A torch checkpoint cut in half (a copy interrupted half-way), and the whole one it came from."""
    whole = folder / "whole.pth"
    torch.save({"model": {"weight": torch.full((1, 2), 3.0), "bias": torch.ones(1)}}, whole)
    truncated = folder / "model_final.pth"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return truncated, whole


def test_eval_only_with_a_missing_checkpoint_names_it(tmp_path):
    missing = tmp_path / "no_such_run" / "model_final.pth"
    assert _eval_only(missing, tmp_path) == f"Error: Checkpoint {missing} not found"
    assert not (tmp_path / "eval_results.json").exists()


def test_eval_only_with_an_unfetchable_zoo_checkpoint_names_it(tmp_path):
    assert _eval_only("zoo://shapes_gfl_r18_studnet", tmp_path) == (
        "Error: Checkpoint zoo://shapes_gfl_r18_studnet could not be fetched: No model zoo entry named "
        "'shapes_gfl_r18_studnet'. Did you mean: shapes_gfl_r18_student, shapes_cls_r18_student, "
        "shapes_gfl_r18_adaptive?")
    assert not (tmp_path / "eval_results.json").exists()


def test_eval_only_with_a_truncated_checkpoint_names_it(tmp_path):
    truncated, _ = _truncated_checkpoint(tmp_path)
    result = run_tool("--config-file", STUDENT, "--eval-only", f"train.init_checkpoint={truncated}", "train.device=cpu",
                      f"train.output_dir={tmp_path}")  # end to end: the process prints the one line
    assert error_line(result).startswith(
        f"Error: Checkpoint {truncated} is unreadable (truncated, corrupt or not a checkpoint): RuntimeError: ")
    assert not (tmp_path / "eval_results.json").exists()


def test_training_from_a_missing_init_checkpoint_names_it(tiny_shapes, tmp_path):
    from .cli_runs import train_command

    missing = tmp_path / "pretrained.pth"
    command = train_command(tmp_path, 0, config="shapes_student.py") + [f"train.init_checkpoint={missing}"]
    assert cli_error(*command[2:]) == f"Error: Checkpoint {missing} not found"
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".pth")]  # no training step ran, nothing was saved


def test_checkpointer_names_missing_unknown_and_unreadable_checkpoints_then_loads_a_good_one(tmp_path):
    from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer, CheckpointLoadError

    model = torch.nn.Linear(2, 1)
    checkpointer = AtomicCheckpointer(model, str(tmp_path / "run"))
    missing = str(tmp_path / "no_such.pth")
    with pytest.raises(CheckpointLoadError, match=f"^Checkpoint {re.escape(missing)} not found$"):
        checkpointer.resume_or_load(missing, resume=False)  # as do_train loads train.init_checkpoint
    with pytest.raises(CheckpointLoadError, match="^Checkpoint zoo://shapes_gfl_r18_studnet could not be fetched: "
                                                  "No model zoo entry named 'shapes_gfl_r18_studnet'. Did you mean: "
                                                  "shapes_gfl_r18_student"):
        checkpointer.load("zoo://shapes_gfl_r18_studnet")
    truncated, whole = _truncated_checkpoint(tmp_path)
    with pytest.raises(CheckpointLoadError, match=rf"^Checkpoint {re.escape(str(truncated))} is unreadable "):
        checkpointer.load(str(truncated))
    checkpointer.load(str(whole))  # the failures above leave the checkpointer usable
    assert torch.equal(model.weight.detach(), torch.full((1, 2), 3.0))
    assert torch.equal(model.bias.detach(), torch.ones(1))


@pytest.mark.parametrize("case", ["missing", "not_the_teacher"])
def test_training_with_unusable_teacher_weights_names_them(tiny_shapes, tmp_path, case):
    from .cli_runs import train_command

    if case == "missing":
        weights, expected = tmp_path / "teacher.pth", f"Error: Teacher weights '{tmp_path / 'teacher.pth'}' not found"
    else:  # a readable checkpoint of some other model: the whole message, counts and the first names
        from detectron2.config import LazyConfig, instantiate

        weights = tmp_path / "other_model.pth"
        torch.save({"model": {"weight": torch.ones(1, 2)}}, weights)
        keys = list(instantiate(LazyConfig.load(os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_adaptive.py")).model.teacher)
                    .state_dict())
        expected = (f"Error: Teacher weights '{weights}' do not match the teacher model: {len(keys)} missing "
                    f"{keys[:5]}, 1 unexpected ['weight'], shape mismatches []")
    command = train_command(tmp_path, 0) + [f"model.teacher_weights={weights}"]
    assert cli_error(*command[2:]) == expected
    assert not [f for f in os.listdir(tmp_path) if f.startswith("model_")]  # no step ran, nothing was saved


def test_training_on_a_dataset_that_is_not_there_names_its_file(tmp_path):
    result = run_tool("--config-file", STUDENT, "dataloader.train.dataset.names=coco_2017_train", "train.device=cpu",
                      f"train.output_dir={tmp_path}",
                      env={**os.environ, "DETECTRON2_DATASETS": str(tmp_path / "datasets"), "OMP_NUM_THREADS": "1"})
    missing = tmp_path / "datasets" / "coco" / "annotations" / "instances_train2017.json"
    assert error_line(result) == f"Error: [Errno 2] No such file or directory: '{missing}'"
