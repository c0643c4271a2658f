"""Exact resume, with real processes and signals: a distillation run (learned path weights z) killed between
checkpoints or in the middle of writing one, then resumed with ``--resume``, ends with the same bytes of
weights, z, optimizer, scheduler and random states as the uninterrupted run; and the pieces behind it."""
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import torch

from adakd.data.resumable_train_loader import build_resumable_train_loader, sample_seed
from adakd.engine.stream_state import get_rng_state, set_rng_state

from .cli_runs import ITERATIONS, ROOT, environment, load, run, run_in_this_process, train_command


def assert_identical(a, b, where="checkpoint"):
    """Same keys, same values, tensors equal bit for bit (recursively)."""
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), (where, set(a) ^ set(b))
        for key in a:
            assert_identical(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


@pytest.fixture(scope="module")
def uninterrupted(distillation_run):
    """The reference: 20 iterations in one go (no data-loading workers)."""
    return load(os.path.join(distillation_run, "model_final.pth"))


def _checkpoint_iteration(tag):
    """The iteration of the checkpoint detectron2's ``last_checkpoint`` file names (-1: none yet)."""
    name = tag.read_text() if tag.exists() else ""
    stem = name[len("model_"):-len(".pth")]
    return int(stem) if name.startswith("model_") and stem.isdigit() else -1


def test_run_killed_between_checkpoints_resumes_to_identical_weights(uninterrupted, tiny_shapes, tmp_path):
    # One data-loading worker here, none in the reference: the batches do not depend on the workers.
    env = environment(tiny_shapes)
    child = subprocess.Popen(train_command(tmp_path, 1), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    tag = tmp_path / "last_checkpoint"
    deadline = time.time() + 300
    # Kill on the first checkpoint from iteration 9 on (9 or 14; the last iteration writes model_final): a slow
    # poll may see 14 rather than 9, never too late to kill before the end.
    while child.poll() is None and not 9 <= _checkpoint_iteration(tag) < ITERATIONS - 1:
        assert time.time() < deadline, "no checkpoint after iteration 9"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL  # killed, not finished
    assert not (tmp_path / "model_final.pth").exists()
    assert load(tmp_path / tag.read_text())["iteration"] in (9, 14)

    run(train_command(tmp_path, 1, "--resume"), env)
    resumed = load(tmp_path / "model_final.pth")
    assert resumed["iteration"] == ITERATIONS - 1
    z = "distiller.aggregator.neg_log_path_weights"
    assert not torch.equal(resumed["model"][z], torch.zeros(2))  # z trained: the check below is not vacuous
    assert_identical(resumed, uninterrupted)  # weights, z, optimizer, scheduler, random and data streams


def test_run_killed_while_writing_a_checkpoint_resumes_from_the_previous_one(uninterrupted, tiny_shapes, tmp_path):
    env = environment(tiny_shapes)
    # SIGKILL after half of the third checkpoint (after iteration 14) is written.
    killed = subprocess.run(train_command(tmp_path, 0), cwd=ROOT, env={**env, "ADAKD_TEST_KILL_IN_SAVE": "3"},
                            capture_output=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL
    files = sorted(os.listdir(tmp_path))
    assert "model_0000014.pth" not in files and [f for f in files if f.startswith(".model_0000014.pth")]
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000009.pth"
    assert load(tmp_path / "model_0000009.pth")["iteration"] == 9  # the previous checkpoint is whole

    result = run(train_command(tmp_path, 0, "--resume"), env)
    assert "the unfinished save of an interrupted run" in result.stderr
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    assert_identical(load(tmp_path / "model_final.pth"), uninterrupted)


BALANCER_STATE = {  # what each stateful balancer carries from step to step, in the model's state dict
    "famo": ["task_logits", "previous_losses", "logit_adam_step", "logit_adam_exp_avg", "logit_adam_exp_avg_sq"],
    "dwa": ["window_loss_sum", "window_steps", "window_means", "current_weights"],
    "gradnorm": ["gradnorm_logits", "initial_losses"],
    "uncertainty": ["log_variances"],
}


@pytest.mark.parametrize("method", sorted(BALANCER_STATE))
def test_stateful_balancer_resumes_bit_for_bit(method, tiny_shapes, tmp_path):
    """A run of shapes_<method>.py resumed from its own iteration-4 checkpoint ends as the uninterrupted run:
    the balancer's state (Adam moments, loss windows, initial losses, log-variances) is saved and restored.
    Both runs go through the tool's command line in this process: no process boundary is under test here (the
    kill tests above cross it), and each run in its own process would start an interpreter."""
    config = f"shapes_{method}.py"
    # 10 iterations, resumed from the checkpoint after iteration 4; DWA with windows that end within them.
    extra = ["train.max_iter=10"] + (["+model.aggregator.window=3"] if method == "dwa" else [])
    whole = tmp_path / "whole"
    run_in_this_process(train_command(whole, 0, config=config) + extra)
    uninterrupted = load(whole / "model_final.pth")
    state = {k: v for k, v in uninterrupted["model"].items() if k.startswith("distiller.aggregator.")}
    for name in BALANCER_STATE[method]:  # the state is set (not all zero): the comparison below is not vacuous
        value = state[f"distiller.aggregator.{name}"]
        assert torch.isfinite(value).all() and (value != 0).any(), (name, value)

    resumed = tmp_path / "resumed"
    os.makedirs(resumed)
    shutil.copy(whole / "model_0000004.pth", resumed / "model_0000004.pth")
    (resumed / "last_checkpoint").write_text("model_0000004.pth")
    run_in_this_process(train_command(resumed, 0, "--resume", config=config) + extra)
    assert_identical(load(resumed / "model_final.pth"), uninterrupted)


# ----------------------------------------------------------------------------------------------- pieces
def _fake_dicts(n=10):
    # Alternating landscape / portrait images: two aspect-ratio buckets, so batches leave samples waiting.
    return [{"index": i, "width": 30 if i % 3 else 20, "height": 20 if i % 3 else 30} for i in range(n)]


def _draw(d):
    # An "augmentation": the draws of the three random streams the mapper sees.
    import random
    return {**d, "draws": (random.random(), float(np.random.rand()), float(torch.rand(())))}


def _batches(loader, n):
    it = iter(loader)
    return [[(d["index"], d["draws"]) for d in next(it)] for _ in range(n)]


def _loader(num_workers, seed=7):
    from detectron2.data.samplers import TrainingSampler

    return build_resumable_train_loader(_fake_dicts(), mapper=_draw, sampler=TrainingSampler(10, seed=seed),
                                       total_batch_size=3, num_workers=num_workers)


def test_loader_batches_do_not_depend_on_workers_and_continue_from_a_saved_state():
    reference = _batches(_loader(0), 12)
    assert _batches(_loader(2), 12) == reference
    # Aspect-ratio buckets: each batch is all-landscape or all-portrait, as detectron2's grouping.
    for batch in reference:
        assert len({i % 3 == 0 for i, _ in batch}) == 1
    # Different positions give different draws (the same image gets a new augmentation each epoch).
    assert len({draws for batch in reference for _, draws in batch}) == 36

    first = _loader(1)
    it = iter(first)
    for _ in range(5):
        next(it)
    state = first.state_dict()
    assert any(state["pending"])  # some samples wait in a bucket: the state must carry them
    resumed = _loader(0, seed=123)  # the seed comes from the state
    resumed.load_state_dict(state)
    assert _batches(resumed, 7) == reference[5:]


def test_loader_leaves_the_callers_random_streams_alone():
    np.random.seed(0)
    torch.manual_seed(0)
    expected = (float(np.random.rand()), float(torch.rand(())))
    np.random.seed(0)
    torch.manual_seed(0)
    _batches(_loader(0), 2)
    assert (float(np.random.rand()), float(torch.rand(()))) == expected
    assert sample_seed(7, 0) != sample_seed(7, 1) and sample_seed(7, 0) != sample_seed(8, 0)


def test_random_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    import random

    state = get_rng_state()
    draws = (random.random(), float(np.random.rand()), float(torch.rand(())))
    torch.save({"rng": state}, tmp_path / "state.pth")
    set_rng_state(torch.load(tmp_path / "state.pth", weights_only=True)["rng"])
    assert (random.random(), float(np.random.rand()), float(torch.rand(()))) == draws


def test_resuming_with_another_number_of_processes_is_refused():
    from adakd.engine.stream_state import StreamStateHook

    hook = StreamStateHook(_loader(0), checkpoint_period=5, max_iter=20)
    two_processes = {"processes": [hook._local_state(), hook._local_state()]}
    with pytest.raises(ValueError, match="written by a run of 2 processes; resuming it exactly needs the same "
                                         "number, this run has 1"):
        hook.load_state_dict(two_processes)
