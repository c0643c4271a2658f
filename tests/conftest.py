import os
import resource

import pytest
import torch

from adakd.data import ShapesSpec, register_shapes

# A few images are enough to check the generator and the training/evaluation plumbing.
TINY_SPEC = ShapesSpec(seed=3, num_train=24, num_val=8)


@pytest.fixture(scope="session", autouse=True)
def _threads():
    # The machine's cores shared among the xdist workers (`make test` runs two), at most 2 threads each; the
    # processes the tests start (CLI runs, exports) inherit the same share through OMP_NUM_THREADS, so that two
    # workers never run 2 x 2 OpenMP threads, spinning, on 2 cores.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    threads = max(1, min(2, (os.cpu_count() or 1) // workers))
    torch.set_num_threads(threads)
    if workers > 1:
        os.environ["OMP_NUM_THREADS"] = str(threads)


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


# The files that take longest run first: `make test` runs the suite in two worker processes (pytest-xdist,
# one file per worker at a time), and starting the long files first lets the two end together.
LONGEST_FIRST = ("test_classification_configs.py", "test_export.py", "test_detection_configs.py", "test_ddp.py",
                 "test_resume.py", "test_model_zoo.py", "test_segmentation_configs.py", "test_train_net.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the order inside a file stays


def _peak_kilobytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kB


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.stash[_PEAK_BEFORE] = _peak_kilobytes()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """The process's peak memory after each test, and how much the test raised it, travel with the teardown
    report: from an xdist worker they reach the main process, which prints the summary."""
    outcome = yield
    if call.when == "teardown":
        peak = _peak_kilobytes()
        outcome.get_result().user_properties += [("peak_gb", peak / 2**20),
                                                 ("raised_gb", (peak - item.stash[_PEAK_BEFORE]) / 2**20)]


_PEAK_BEFORE = pytest.StashKey[int]()
_PEAKS = {}  # worker ("" without xdist) -> its peak, GB
_PEAK_RAISERS = []  # (GB the test raised its process's peak by, test id)


_FILE_SECONDS = {}  # test file -> seconds its tests took (setup, call and teardown), summed over its tests


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    _FILE_SECONDS[path] = _FILE_SECONDS.get(path, 0.0) + report.duration
    properties = dict(report.user_properties)
    if report.when != "teardown" or "peak_gb" not in properties:
        return
    worker = getattr(getattr(report, "node", None), "gateway", None)
    worker = worker.id if worker is not None else ""
    _PEAKS[worker] = max(_PEAKS.get(worker, 0.0), properties["peak_gb"])
    if properties["raised_gb"] > 0:
        _PEAK_RAISERS.append((properties["raised_gb"], report.nodeid))


def pytest_terminal_summary(terminalreporter):
    """The suite's memory budget (≤ 4 GB per test process; subprocesses count on their own), printed after the
    slowest tests, as their time is; then the files that took longest (what LONGEST_FIRST orders)."""
    if not _PEAKS:
        return
    slowest = sorted(_FILE_SECONDS.items(), key=lambda item: -item[1])[:10]
    terminalreporter.write_line("slowest files (seconds of their tests): "
                                + ", ".join(f"{os.path.basename(path)} {seconds:.0f}" for path, seconds in slowest))
    per_worker = ", ".join(f"{w} {gb:.2f}" for w, gb in sorted(_PEAKS.items()) if w)
    terminalreporter.write_line(f"peak memory of a test process: {max(_PEAKS.values()):.2f} GB"
                                + (f" (per worker: {per_worker})" if per_worker else ""))
    for gigabytes, nodeid in sorted(_PEAK_RAISERS, reverse=True)[:5]:
        terminalreporter.write_line(f"  raised by {gigabytes:.2f} GB: {nodeid}")
