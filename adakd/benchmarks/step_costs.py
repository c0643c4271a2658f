"""Step costs measured side by side in one process (``tools/benchmark_distillation_cost.py --save``): a file per task,
``benchmarks/costs/<task>.json``, whose s/iter per config the league's cost column prefers to the runs' own s/iter,
which come from whichever machine ran each seed and read slower where runs shared the CPU."""
import json
import os

from .results import BenchmarkResultError

COSTS_DIR = "benchmarks/costs"


def step_costs_file(costs_dir, task):
    return os.path.join(costs_dir, f"{task.name}.json")


def load_step_costs(costs_dir, task):
    """``{row: s/iter}`` for the task's rows whose config the task's cost file timed (by the config's file name);
    ``{}`` when the task has no cost file. Raises BenchmarkResultError naming the file when it is not JSON or has no
    ``seconds_per_iter`` mapping of positive numbers."""
    path = step_costs_file(costs_dir, task)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            timed = json.load(f)["seconds_per_iter"]
        timed = {str(config): float(spi) for config, spi in timed.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise BenchmarkResultError(f"{path}: not a step-cost file of tools/benchmark_distillation_cost.py --save "
                                   f"({type(e).__name__}: {e})") from e
    bad = sorted(config for config, spi in timed.items() if not spi > 0)
    if bad:
        raise BenchmarkResultError(f"{path}: s/iter must be positive, not for {', '.join(bad)}")
    rows = {os.path.basename(task.config(row)): row for row in task.all_rows}
    return {rows[config]: spi for config, spi in timed.items() if config in rows}
