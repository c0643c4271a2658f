"""Runs of tools/lazyconfig_train_net.py in their own processes (through tests/run_train_net.py, which registers
the tiny shapes set): the short distillation run that the resume and student-checkpoint tests share; and the
same commands run in the test process where no process boundary is under test (no interpreter start-up)."""
import importlib.util
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects/AdaptiveKD/configs")
RUNNER = os.path.join(ROOT, "tests", "run_train_net.py")
ITERATIONS = 20  # checkpoints after iterations 4, 9, 14 and 19 (period 5)


def train_command(output_dir, num_workers, *flags, config="shapes_adaptive.py", evaluate=False):
    """20 iterations of ``config`` on the tiny shapes set, batch 2, a checkpoint every 5 iterations; evaluated
    at the end only when a test reads the result (``evaluate``)."""
    return [
        sys.executable, RUNNER, "--config-file", os.path.join(CONFIGS, config), *flags,
        *([] if evaluate else ["dataloader.evaluator=null"]),
        f"train.max_iter={ITERATIONS}", "train.checkpointer.period=5", "train.device=cpu",
        "dataloader.train.dataset.names=tiny_shapes_train", "dataloader.test.dataset.names=tiny_shapes_val",
        "dataloader.train.total_batch_size=2", f"dataloader.train.num_workers={num_workers}",
        f"train.output_dir={output_dir}",
    ]


def eval_command(config, weights, output_dir, *flags):
    return [
        sys.executable, RUNNER, "--config-file", os.path.join(CONFIGS, config), "--eval-only", *flags,
        f"train.init_checkpoint={weights}", "train.device=cpu", "dataloader.test.dataset.names=tiny_shapes_val",
        f"train.output_dir={output_dir}",
    ]


def environment(tiny_shapes, **extra):
    return {**os.environ, "ADAKD_TEST_SHAPES": tiny_shapes, "OMP_NUM_THREADS": "1", **extra}


def run(command, env, check=True):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def train_net_tool():
    """tools/lazyconfig_train_net.py as a module of this process."""
    spec = importlib.util.spec_from_file_location("lazyconfig_train_net", os.path.join(ROOT, "tools/lazyconfig_train_net.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def run_in_this_process(command):
    """``command`` (of train_command / eval_command) through the tool's ``cli``, in this process: the tests'
    tiny shapes set must be registered here (the ``tiny_shapes`` fixture)."""
    assert command[:2] == [sys.executable, RUNNER], command[:2]
    train_net_tool().cli([str(a) for a in command[2:]])


def load(path):
    return torch.load(path, map_location="cpu", weights_only=True)
