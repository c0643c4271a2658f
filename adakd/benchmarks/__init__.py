"""The multi-seed runner of the embedded benchmarks (tools/run_benchmark.py): the rows of each task, one result
file per (task, row, seed), statistics over seeds, tables, plots and the README's Results blocks."""
from .results import BenchmarkResultError, load_task_results, read_result, result_path
from .tasks import TASKS, BenchmarkTask, Metric, check_rows, get_task
