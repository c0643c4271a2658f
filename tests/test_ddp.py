"""Data parallelism on the CPU (gloo), through ``tools/lazyconfig_train_net.py --num-gpus 2``: every process keeps
the same parameters (z included) and path weights, and two processes of batch 2 train as one process of batch 4.

The student's backbone BN is detectron2's ``naiveSyncBN`` in these runs: plain BN normalises with each process's
batch, which no data-parallel run can make equal to one process. With it, the shapes GFL student of 2 processes
ends 6 AdamW iterations 0.29 % (of the distance training moved the weights) away from the 1-process run (one
run each; the test allows 1 %). The rest is float rounding, which Adam's first steps, ~lr·sign(gradient),
amplify on parameters whose gradient is ~0.

Distillation runs are not compared with one process: paths whose loss sums over the batch instead of averaging
(LD sums over positive locations, as its reference does) weigh half as much per process under DDP's gradient
average, and BN inside the feature paths' non-local blocks is per process. Measured on shapes_adaptive.py (6
iterations, AdamW lr 0.05 with eps 1 so that steps follow gradients): parameters 15 % apart, z = [0.063, -0.007]
in one process vs [0.037, -0.043] in two. Path weights adapt to the per-process loss scale.
"""
import os
import shutil

import pytest
import torch

from .cli_runs import environment, run, train_command


def _train(tiny_shapes, folder, config, processes, iterations, sync_bn_prefix):
    """(trained, start) state of every process: the weights after training, and those training started from."""
    os.makedirs(folder)
    command = train_command(os.path.join(folder, "output"), 0, "--num-gpus", str(processes), config=config)
    command += [f"train.max_iter={iterations}", "dataloader.train.total_batch_size=4",
                f"{sync_bn_prefix}backbone.bottom_up.stem.norm=naiveSyncBN",
                f"{sync_bn_prefix}backbone.bottom_up.stages.norm=naiveSyncBN"]
    run(command, environment(tiny_shapes, ADAKD_TEST_DUMP_PROCESSES=str(folder)))
    load = lambda name: torch.load(os.path.join(folder, name), weights_only=True)  # noqa: E731
    return ([load(f"process{r}.pth") for r in range(processes)],
            [load(f"process{r}_start.pth") for r in range(processes)])


# Per-process state by design (module docstring): BN inside feature KD's non-local blocks normalises with each
# process's batch, so its running statistics differ; everything else must be equal bit for bit.
PER_PROCESS = ("running_mean", "running_var")


@pytest.mark.parametrize("config", ["shapes_adaptive.py", "shapes_multiobjective.py",
                                    "shapes_multiobjective_representation.py", "shapes_famo.py"])
def test_processes_keep_identical_state_and_path_weights(tiny_shapes, tmp_path, config):
    (first, second), (start, _) = _train(tiny_shapes, tmp_path / "run", config, 2, 3, "model.student.")
    assert set(first["model"]) == set(second["model"])
    differing = [k for k in first["model"] if not torch.equal(first["model"][k], second["model"][k])]
    assert all("_non_local." in k and k.endswith(PER_PROCESS) for k in differing), differing
    assert torch.equal(first["path_weights"], second["path_weights"])
    weights = first["path_weights"].double()
    K = len(weights)
    if "multiobjective" in config:  # Eq. 4's convex combination of the gradients averaged over processes,
        assert abs(float(weights.sum()) - 1) < 1e-6 and float(weights.min()) >= 0
        assert float((weights - 1 / K).abs().max()) > 1e-3  # ... and no longer the untouched start of 1/K
    elif "famo" in config:  # FAMO's logits and Adam state (buffers) moved, from losses averaged over processes
        aggregator = "distiller.aggregator."
        assert float(first["model"][aggregator + "task_logits"].abs().max()) > 0
        assert torch.equal(first["model"][aggregator + "logit_adam_exp_avg"],
                           second["model"][aggregator + "logit_adam_exp_avg"])
        assert float((weights - 1 / K).abs().max()) > 1e-3
    else:  # z trained (from 0): the equality above is not vacuous
        z = "distiller.aggregator.neg_log_path_weights"
        assert float(first["model"][z].abs().max()) > 1e-4 and not torch.equal(first["model"][z], start["model"][z])


def test_two_processes_train_as_one_with_the_same_global_batch(tiny_shapes, tmp_path):
    (one,), (start,) = _train(tiny_shapes, tmp_path / "one", "shapes_student.py", 1, 6, "model.")
    (two, _), (two_start, _) = _train(tiny_shapes, tmp_path / "two", "shapes_student.py", 2, 6, "model.")
    names = [name for name, value in one["model"].items()  # parameters (running statistics are not stepped)
             if value.is_floating_point() and not name.endswith(PER_PROCESS)]
    for name in names:  # both runs started from the same weights (train.seed and the pretrained backbone)
        assert torch.equal(start["model"][name], two_start["model"][name]), name
    moved = sum(float(((one["model"][n] - start["model"][n]) ** 2).sum()) for n in names) ** 0.5
    apart = sum(float(((one["model"][n] - two["model"][n]) ** 2).sum()) for n in names) ** 0.5
    assert moved > 0.1 and apart / moved < 0.01, (apart, moved)


def test_a_two_process_run_resumes_exactly_and_refuses_another_process_count(tiny_shapes, tmp_path):
    """README, "Several processes" and "Exact resume": a --num-gpus 2 run resumed from its own checkpoint ends with
    the same bytes; resuming it with one process is one error line (its data stream was split in two)."""
    from .cli_runs import load
    from .test_resume import assert_identical

    env = environment(tiny_shapes)
    whole = tmp_path / "whole"
    short = ["train.max_iter=10"]  # resumed from the checkpoint after iteration 4
    run(train_command(whole, 0, "--num-gpus", "2", config="shapes_adaptive.py") + short, env)
    uninterrupted = load(whole / "model_final.pth")
    for processes in ("2", "1"):
        resumed = tmp_path / f"resumed_{processes}"
        os.makedirs(resumed)
        shutil.copy(whole / "model_0000004.pth", resumed / "model_0000004.pth")
        (resumed / "last_checkpoint").write_text("model_0000004.pth")
        result = run(train_command(resumed, 0, "--resume", "--num-gpus", processes, config="shapes_adaptive.py")
                     + short, env, check=processes == "2")
        if processes == "2":
            assert_identical(load(resumed / "model_final.pth"), uninterrupted)
        else:
            last = result.stderr.strip().splitlines()[-1]
            assert result.returncode != 0 and "Traceback" not in result.stderr and last == (
                "Error: The checkpoint was written by a run of 2 processes; resuming it exactly needs the same "
                "number, this run has 1 (resume with --num-gpus 2, or start anew without --resume)"
            ), result.stderr[-2000:]
            assert not (resumed / "model_final.pth").exists()
