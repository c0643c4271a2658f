import os
import resource

import pytest
import torch

from adakd.data import ShapesSpec, register_shapes

# A few images are enough to check the generator and the training/evaluation plumbing.
TINY_SPEC = ShapesSpec(seed=3, num_train=24, num_val=8)


@pytest.fixture(scope="session", autouse=True)
def _threads():
    torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def tiny_shapes(tmp_path_factory):
    """A tiny shapes dataset registered as ``tiny_shapes_{train,val}`` / ``tiny_shapes_sem_seg_*``."""
    root = str(tmp_path_factory.mktemp("tiny") / "shapes")
    register_shapes(root, TINY_SPEC, prefix="tiny_shapes")
    return root


@pytest.fixture(scope="session")
def distillation_run(tiny_shapes, tmp_path_factory):
    """Output folder of 20 iterations of shapes_adaptive.py through the CLI (tests/cli_runs.py), in one go."""
    from .cli_runs import environment, run, train_command

    output = tmp_path_factory.mktemp("distillation_run")
    run(train_command(output, 0, evaluate=True), environment(tiny_shapes))
    return str(output)


_PEAK_RAISERS = []  # (GB the test raised the process's peak by, test id)


def _peak_kilobytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kB


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    before = _peak_kilobytes()
    yield
    raised = _peak_kilobytes() - before
    if raised > 0:
        _PEAK_RAISERS.append((raised / 2**20, item.nodeid))


def pytest_terminal_summary(terminalreporter):
    """The suite's memory budget (≤ 4 GB for the test process; subprocesses count on their own): printed after
    the slowest tests, as their time is."""
    terminalreporter.write_line(f"peak memory of the test process: {_peak_kilobytes() / 2**20:.2f} GB")
    for gigabytes, nodeid in sorted(_PEAK_RAISERS, reverse=True)[:5]:
        terminalreporter.write_line(f"  raised by {gigabytes:.2f} GB: {nodeid}")
