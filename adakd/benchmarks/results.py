"""Result files of the benchmark runner: one JSON per (task, row, seed), ``<results_dir>/<task>/<row>/seed<k>.json``
(``shipped.json`` for a shipped checkpoint that is only evaluated), and what goes into them: the evaluator's
metrics, the path weights and the time per iteration read back from a training run's output folder.
"""
import hashlib
import json
import math
import os
import re

from omegaconf import OmegaConf

from ..utils.atomic_write import atomic_write_json
from ..utils.metrics_log import read_metrics_records

SHIPPED = "shipped"
REQUIRED_KEYS = ("task", "row", "seed", "config", "fingerprint", "metrics", "path_weights", "path_weight_curve",
                 "seconds_per_iter", "iterations", "git_commit")
_WEIGHT_KEY = re.compile(r"^distill/(.+)/weight$")
_GRAD_NORM_KEY = re.compile(r"^distill/(.+)/grad_norm$")
TASK_GRAD_NORM = "distill/task/grad_norm"
_RESULT_NAME = re.compile(r"^seed(\d+)\.json$")


class BenchmarkResultError(ValueError):
    """A result file that cannot be read or does not belong where it lies; the message names the file."""


def result_path(results_dir, task, row, seed):
    """``seed`` None: the result of a shipped checkpoint (evaluated once, whatever the seeds)."""
    name = f"{SHIPPED}.json" if seed is None else f"seed{int(seed)}.json"
    return os.path.join(results_dir, task, row, name)


def _dotted_name(obj):
    if hasattr(obj, "__module__") and hasattr(obj, "__qualname__"):
        return f"{obj.__module__}.{obj.__qualname__}"
    raise TypeError(f"fingerprint: cannot serialise {type(obj).__name__} object {obj!r}")


def fingerprint(cfg, **identity):
    """sha256 of the resolved LazyConfig ``cfg`` (every imported file's settings, the overrides applied), with
    ``train.output_dir`` and ``train.seed`` left out, and of ``identity`` (JSON values that determine the run
    besides its config: the dataset's version and spec, checkpoints' sha256): a result is re-used only while
    this is unchanged.

    Serialised as sorted JSON, callables by their dotted name, so that it does not depend on where the
    repository lies or on a code formatter."""
    cfg = OmegaConf.to_container(cfg, resolve=True)
    cfg.get("train", {}).pop("output_dir", None)
    cfg.get("train", {}).pop("seed", None)
    text = json.dumps({"config": cfg, **identity}, sort_keys=True, default=_dotted_name)
    return hashlib.sha256(text.encode()).hexdigest()


def _finite_or_none(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def flatten_metrics(eval_results):
    """``{"bbox": {"AP": 51.8, ...}}`` -> ``{"bbox/AP": 51.8, ...}`` (the keys detectron2's
    ``print_csv_format`` prints); NaN (e.g. AP of a class absent from the split) becomes None, as JSON has no NaN."""
    flat = {}
    for task, values in eval_results.items():
        if isinstance(values, dict):
            for key, value in values.items():
                flat[f"{task}/{key}"] = _finite_or_none(value)
        else:
            flat[task] = _finite_or_none(values)
    return flat


def read_training_log(metrics_file):
    """What a training run logged in detectron2's ``metrics.json`` (one JSON object per logged iteration).

    Returns ``(path_weight_curve, path_weights, seconds_per_iter, iterations)``:
    ``path_weight_curve`` ``{path: [[iteration, v], ...]}`` from the ``distill/<path>/weight`` scalars the
    aggregators log (detectron2 writes the median of the last ``log_period`` values); ``path_weights`` the last
    value of each curve; ``seconds_per_iter`` the mean of the logged ``time`` (detectron2's IterationTimer, the
    first iterations excluded); ``iterations`` the last logged training iteration + 1.
    """
    curve, times, last_iteration = {}, [], -1
    try:
        for _, record in read_metrics_records(metrics_file):
            iteration = record.get("iteration")
            if iteration is None:
                continue
            if "total_loss" in record:  # a training record (the final evaluation is logged one iteration later)
                last_iteration = max(last_iteration, iteration)
            if "time" in record:
                times.append(record["time"])
            for key, value in record.items():
                match = _WEIGHT_KEY.match(key)
                if match:
                    curve.setdefault(match.group(1), []).append([iteration, value])
    except ValueError as e:
        raise BenchmarkResultError(str(e)) from e
    final = {path: points[-1][1] for path, points in curve.items()}
    seconds_per_iter = sum(times) / len(times) if times else None
    return curve, final, seconds_per_iter, last_iteration + 1


def read_gradient_curves(metrics_file):
    """The gradient diagnostics a run logged (``model.diagnostics_period``; adakd/distill/diagnostics.py), per path:
    ``{path: {"grad_ratio": [[iteration, ‖∇ α v L_path‖ / ‖∇ L_task‖], ...],
    "cos_task": [[iteration, cos], ...]}}``,
    from the records that hold the task's gradient norm; ``{}`` when the run logged none."""
    curves = {}
    try:
        for _, record in read_metrics_records(metrics_file):
            iteration, task_norm = record.get("iteration"), record.get(TASK_GRAD_NORM)
            if iteration is None or not task_norm:
                continue
            for key, value in record.items():
                match = _GRAD_NORM_KEY.match(key)
                if not match or key == TASK_GRAD_NORM:
                    continue
                path = match.group(1)
                curve = curves.setdefault(path, {"grad_ratio": [], "cos_task": []})
                curve["grad_ratio"].append([iteration, value / task_norm])
                cosine = record.get(f"distill/{path}/cos_task")
                if cosine is not None:
                    curve["cos_task"].append([iteration, cosine])
    except ValueError as e:
        raise BenchmarkResultError(str(e)) from e
    return curves


def write_result(path, result):
    """Writes ``result`` atomically: a reader sees the previous file or the complete new one, never half of it."""
    missing = [k for k in REQUIRED_KEYS if k not in result]
    if missing:
        raise KeyError(f"benchmark result for {path} lacks {missing}")
    atomic_write_json(path, result)


def read_result(path):
    """The result in ``path``; BenchmarkResultError naming the file when it is not a complete result."""
    try:
        with open(path) as f:
            result = json.load(f)
    except (OSError, ValueError) as e:
        raise BenchmarkResultError(f"Benchmark result {path} cannot be read: {e}") from e
    if not isinstance(result, dict):
        raise BenchmarkResultError(f"Benchmark result {path} is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in result]
    if missing:
        raise BenchmarkResultError(f"Benchmark result {path} lacks the keys {missing}")
    for name, curve in (result.get("path_gradient_curve") or {}).items():
        if not isinstance(curve, dict) or not all(isinstance(curve.get(k), list) for k in ("grad_ratio", "cos_task")):
            raise BenchmarkResultError(f"Benchmark result {path}: path_gradient_curve[{name!r}] needs the lists "
                                       f"'grad_ratio' and 'cos_task' of [iteration, value]")
    return result


def load_task_results(results_dir, task):
    """``{row: [result, ...]}`` (sorted by seed, shipped first) of every result file under
    ``<results_dir>/<task.name>``; a row without results is absent. Raises BenchmarkResultError naming the
    file or folder that is corrupt, misnamed, or holds another task's, row's or seed's result."""
    results = {}
    task_dir = os.path.join(results_dir, task.name)
    if not os.path.isdir(task_dir):
        return results
    for row in sorted(os.listdir(task_dir)):
        row_dir = os.path.join(task_dir, row)
        if row.startswith(".") or not os.path.isdir(row_dir):
            continue
        if row not in task.all_rows:
            raise BenchmarkResultError(
                f"{row_dir}: {row!r} is not a {task.name} row (valid rows: {', '.join(task.all_rows)})"
            )
        for name in sorted(os.listdir(row_dir)):
            if name.startswith("."):  # an interrupted atomic write's temporary file
                continue
            path = os.path.join(row_dir, name)
            match = _RESULT_NAME.match(name)
            if not match and name != f"{SHIPPED}.json":
                raise BenchmarkResultError(f"{path}: result files are named seed<k>.json or {SHIPPED}.json")
            result = read_result(path)
            seed = int(match.group(1)) if match else None
            if (result["task"], result["row"], result["seed"]) != (task.name, row, seed):
                raise BenchmarkResultError(
                    f"{path} holds the result of task {result['task']!r}, row {result['row']!r}, seed "
                    f"{result['seed']!r}, not of its place ({task.name!r}, {row!r}, {seed!r})"
                )
            results.setdefault(row, []).append(result)
    for row_results in results.values():
        row_results.sort(key=lambda r: -1 if r["seed"] is None else r["seed"])
    return results
