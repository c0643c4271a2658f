"""Runs benchmark rows, one (task, row, seed) at a time, each as tools/lazyconfig_train_net.py in a subprocess
with ``train.seed=<k>`` and its own output folder, and records one result file per run (see ``results``).

A result is re-used (the run skipped) while it was made from the same resolved config, the same dataset
version and spec, and the same shipped checkpoints (sha256 of every ``zoo://`` entry the config reads: the
teacher, a backbone initialisation, an evaluated checkpoint); see ``results.fingerprint``. ``force`` re-runs.
A change of code that leaves configs, data and checkpoints as they are is not detected: re-run with ``force``.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict

from detectron2.config import LazyConfig
from omegaconf import OmegaConf

from .. import model_zoo
from ..config import apply_checked_overrides
from ..data import ensure_shapes, ensure_shapes_classification
from ..data.shapes import SHAPES_VERSION, ShapesSpec
from ..data.shapes_classification import SHAPES_CLS_VERSION, ShapesClassificationSpec
from .results import (
    fingerprint,
    flatten_metrics,
    read_gradient_curves,
    read_result,
    read_training_log,
    result_path,
    write_result,
)
from .tasks import STUDENT_ROW, TEACHER_ROW

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN_NET = "tools/lazyconfig_train_net.py"
ZOO_PREFIX = "zoo://"


def launch(cmd):
    """Runs ``cmd`` from the repository root; raises CalledProcessError when it fails."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def is_shipped(row, zoo_student=False):
    """Whether ``row`` evaluates a shipped checkpoint instead of training (the teacher always)."""
    return row == TEACHER_ROW or (zoo_student and row == STUDENT_ROW)


def row_config(task, row, shipped=False):
    """The config of ``row`` and the overrides the runner adds to it (besides the output folder and seed)."""
    cfg = LazyConfig.load(os.path.join(ROOT, task.config(row)))
    opts = [f"train.init_checkpoint={ZOO_PREFIX}{task.zoo_entry(row)}"] if shipped else []
    if row == STUDENT_ROW:
        opts += list(task.plain_student_opts)
    if task.diagnostics_period and not shipped and "paths" in cfg.model:  # a distillation row
        opts.append(f"model.diagnostics_period={task.diagnostics_period}")
    return apply_checked_overrides(cfg, opts), opts


def dataset_identity(task):
    """What determines the generated files of the task's dataset: its generator's version and spec."""
    known = {"shapes": (SHAPES_VERSION, ShapesSpec), "shapes_cls": (SHAPES_CLS_VERSION, ShapesClassificationSpec)}
    if task.dataset not in known:
        raise ValueError(f"Unknown benchmark dataset {task.dataset!r} (known: {', '.join(known)})")
    version, spec = known[task.dataset]
    return {"name": task.dataset, "version": version, "spec": asdict(spec())}


def prepare_dataset(task):
    """Generates the task's dataset when it is absent or outdated; returns its folder."""
    dataset_identity(task)  # an unknown dataset name fails here
    return ensure_shapes_classification() if task.dataset == "shapes_cls" else ensure_shapes()


def zoo_checkpoints(cfg):
    """``{entry: sha256 in the manifest}`` of the model zoo entries ``cfg`` reads."""
    return {name: model_zoo.get_entry(name)["sha256"] for name in zoo_entries(cfg)}


def row_fingerprint(task, row, shipped=False, cfg=None):
    """The fingerprint a result of ``row`` must carry to be re-used; ``cfg``: the row's config with the runner's
    overrides, when already loaded."""
    cfg = cfg if cfg is not None else row_config(task, row, shipped)[0]
    return fingerprint(cfg, dataset=dataset_identity(task), zoo_checkpoints=zoo_checkpoints(cfg))


def is_current(result, current_fingerprint):
    return result["fingerprint"] == current_fingerprint


def zoo_entries(cfg):
    """Names of the model zoo entries that ``cfg`` reads (``zoo://<name>`` values), in order of appearance."""
    names = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.startswith(ZOO_PREFIX) and node[len(ZOO_PREFIX):] not in names:
            names.append(node[len(ZOO_PREFIX):])

    walk(OmegaConf.to_container(cfg, resolve=True))
    return names


def ensure_shipped(name, launch=launch):
    """Returns the sha256-verified checkpoint of zoo entry ``name``, training the entry first (with
    tools/train_zoo_entry.py) when its file is missing."""
    entry = model_zoo.get_entry(name)
    if entry.get("checkpoint") and not os.path.exists(os.path.join(ROOT, entry["checkpoint"])):
        print(f"{entry['checkpoint']} is missing: training it ({entry.get('train_minutes_2cpu', '?')} min on 2 "
              "cores when it was shipped).", flush=True)
        launch([sys.executable, "tools/train_zoo_entry.py", name])
    return model_zoo.get_checkpoint(name)  # raises ZooChecksumError naming the entry and both hashes


def git_commit():
    """HEAD's commit, with "-dirty" when tracked files differ from it; None outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def run_row(task, row, seed, results_dir, output_dir, force=False, zoo_student=False, launch=launch):
    """Runs ``row`` of ``task`` with ``seed`` (or evaluates its shipped checkpoint, once, whatever the seed) unless
    a current result exists; returns the result. The result file is written only when the run succeeded."""
    shipped = is_shipped(row, zoo_student)
    seed = None if shipped else int(seed)
    path = os.path.join(ROOT, result_path(results_dir, task.name, row, seed))
    cfg, opts = row_config(task, row, shipped)
    current = row_fingerprint(task, row, shipped, cfg)
    if os.path.exists(path):
        existing = read_result(path)
        if not force and is_current(existing, current):
            print(f"{os.path.relpath(path, ROOT)} exists for this config: skipped (--force re-runs it).", flush=True)
            return existing
        if not force:
            print(f"{os.path.relpath(path, ROOT)} was made with an earlier config, dataset or checkpoint: re-running",
                  flush=True)

    for name in zoo_entries(cfg):
        ensure_shipped(name, launch=launch)
    run_dir = os.path.join(output_dir, task.name, row, "shipped" if shipped else f"seed{seed}")
    shutil.rmtree(os.path.join(ROOT, run_dir), ignore_errors=True)  # never read an earlier run's files
    cmd = [sys.executable, TRAIN_NET, "--config-file", task.config(row), *(["--eval-only"] if shipped else []),
           f"train.output_dir={run_dir}", *([] if shipped else [f"train.seed={seed}"]), *opts]
    start = time.time()
    launch(cmd)
    wall_seconds = time.time() - start

    metrics = flatten_metrics(_read_json(os.path.join(ROOT, run_dir, "eval_results.json")))
    if shipped:
        curve, weights, seconds_per_iter, iterations = {}, {}, None, cfg.train.max_iter
        gradients = {}
    else:
        curve, weights, seconds_per_iter, iterations = read_training_log(os.path.join(ROOT, run_dir, "metrics.json"))
        gradients = read_gradient_curves(os.path.join(ROOT, run_dir, "metrics.json"))
    result = {
        "task": task.name,
        "row": row,
        "seed": seed,
        "config": task.config(row),
        "fingerprint": current,
        "overrides": opts,
        "source": f"model_zoo:{task.zoo_entry(row)}" if shipped else "trained",
        "zoo_checkpoints": zoo_checkpoints(cfg),
        "metrics": metrics,
        "path_weights": weights,
        "path_weight_curve": curve,
        "path_gradient_curve": gradients,
        "seconds_per_iter": seconds_per_iter,
        "iterations": iterations,
        "wall_seconds": round(wall_seconds, 1),
        "git_commit": git_commit(),
        "command": " ".join(cmd[1:]),
    }
    write_result(path, result)
    print(f"wrote {os.path.relpath(path, ROOT)}", flush=True)
    return result


def run_benchmark(task, rows, seeds, results_dir, output_dir, force=False, zoo_student=False, launch=launch):
    """Every (row, seed), seed by seed (so that every row gets its first seed before any gets a second); a
    shipped row is evaluated once. Stops at the first failing run."""
    done = set()
    for seed in seeds:
        for row in rows:
            if is_shipped(row, zoo_student) and row in done:
                continue
            run_row(task, row, seed, results_dir, output_dir, force=force, zoo_student=zoo_student, launch=launch)
            done.add(row)


def stale_results(task, results):
    """``{row: number of results}`` made from another config or shipped checkpoint than the current ones."""
    stale, fingerprints = {}, {}
    for row, row_results in results.items():
        for result in row_results:
            shipped = result["seed"] is None
            if (row, shipped) not in fingerprints:
                fingerprints[row, shipped] = row_fingerprint(task, row, shipped)
            if not is_current(result, fingerprints[row, shipped]):
                stale[row] = stale.get(row, 0) + 1
    return stale
