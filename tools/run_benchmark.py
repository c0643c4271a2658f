#!/usr/bin/env python
"""The paper's comparison rows on the embedded benchmarks, several seeds each (issue 15): one training run per
(task, row, seed) through tools/lazyconfig_train_net.py, one result file per run, then tables and plots.

    python tools/run_benchmark.py --task det                       # every detection row, seeds 0 1 2
    python tools/run_benchmark.py --task cls --rows adaptive student --seeds 0 1 2 3
    python tools/run_benchmark.py --task seg --report              # tables, plots, README from the results

Each row is a config, projects/AdaptiveKD/configs/<prefix><row>.py (the list: --help, or
adakd/benchmarks/tasks.py). The seed sets the initialisation and the data order (train.seed). The teacher row evaluates the shipped
teacher (model zoo) once; --zoo-student does the same for the student row (make demo). Besides the paper's rows,
each task has extra rows, the aggregators added since (multitask balancers: uncertainty, dwa, gradnorm, pcgrad,
cagrad, imtl_g, nash_mtl, famo, rlw, aligned_mtl, db_mtl, uw_so, multiobjective_representation; detection and
segmentation also the weight sweep, each single path at 0.1x and 10x its weight: single_box_x0_1, single_box_x10,
...): they run only when named with --rows, and the report shows one only once it has a result.

    python tools/run_benchmark.py --task cls --rows pcgrad nash_mtl famo --seeds 0 1 2

Results: <results-dir>/<task>/<row>/seed<k>.json (shipped.json for a shipped checkpoint), written when a run
ends, atomically. A result made from the same resolved config, dataset version and spec, and shipped
checkpoints (the zoo:// files it reads) is not run again, so the table fills up over several sessions; a
change of any of them re-runs; --force re-runs anyway (code changes that leave those unchanged need it). Training output:
<output-dir>/<task>/<row>/seed<k>/.

--report trains nothing: from the results of --results-dir it prints the task's table, draws the plots and,
for the repository's benchmarks/results, writes them to docs/images/benchmarks/ and regenerates the README's
Results block of the task (elsewhere the plots go next to the results and the README is left alone). Every
report also regenerates the league of aggregators: each task's own (in its block, once two aggregators of its
paths have results) and the one across tasks (its README block and docs/images/benchmarks/league.png).
"""
import argparse
import os
import sys
import time

from detectron2.config import LazyConfig

from adakd.benchmarks import TASKS, check_rows, get_task, load_task_results
from adakd.benchmarks.league import (
    league_entries,
    league_extremes,
    plot_league,
    render_cross_task_league,
    replace_league_block,
)
from adakd.benchmarks.plots import (
    has_path_set_results,
    plot_path_sets,
    plot_path_gradients,
    plot_path_weights,
    plot_rows,
    rows_with_gradients,
    save_figure,
)
from adakd.benchmarks.report import render_comparisons, render_report, render_rows_table, replace_block
from adakd.benchmarks.runner import ROOT, prepare_dataset, run_benchmark, stale_results
from adakd.benchmarks.step_costs import COSTS_DIR, load_step_costs
from adakd.benchmarks.tasks import ADAPTIVE_ROW, HAND_TUNED_ROW
from adakd.benchmarks.weight_sweep import has_sweep_results, plot_weight_sweep
from adakd.utils.atomic_write import atomic_open

RESULTS_DIR = "benchmarks/results"
IMAGE_DIR = "docs/images/benchmarks"
README = "README.md"


LEAGUE_GRADIENTS_CAPTION = "the league's three best and three worst aggregators, each path's gradient against the task's"


def plot_files(task, directory, results=None):
    """(caption, path) of the task's plots in ``directory`` (hand-tuned vs adaptive per set of paths, classification's
    Figure 2, only once a set beyond the task's own has a result; the gradients of ``task.path_gradient_rows`` once
    one of them logged some; the weight sweep's once a 0.1× or 10× row has one; the league's best and worst rows'
    gradients once its league has more rows than those six, with diagnostics)."""
    files = [("every row, one dot per seed, mean ± std", os.path.join(directory, f"{task.name}_rows.png")),
             ("adaptive path weights over training", os.path.join(directory, f"{task.name}_path_weights.png"))]
    if task.diagnostics_period:
        files.append(("each path's gradient against the task's, over training",
                      os.path.join(directory, f"{task.name}_path_gradients.png")))
    if results is not None and has_path_set_results(task, results):
        files.append((f"{task.path_sets_title}, hand-tuned vs adaptive per set of paths",
                      os.path.join(directory, f"{task.name}_path_sets.png")))
    if results is not None and rows_with_gradients(results, task.path_gradient_rows):
        files.append((f"{task.path_sets_title}: each path's gradient against the task's",
                      os.path.join(directory, f"{task.name}_path_sets_gradients.png")))
    if results is not None and has_sweep_results(task, results):
        files.append(("each path alone at 0.1×, 1× and 10× its weight, against the student",
                      os.path.join(directory, f"{task.name}_weight_sweep.png")))
    if results is not None and len(league_entries(task, results)) > 6 and rows_with_gradients(
            results, league_extremes(task, results)):
        files.append((LEAGUE_GRADIENTS_CAPTION, os.path.join(directory, f"{task.name}_league_gradients.png")))
    return files


def hand_tuned_weights(task):
    """The fixed path weights of the task's hand-tuned row (its config's aggregator)."""
    aggregator = LazyConfig.load(os.path.join(ROOT, task.config(HAND_TUNED_ROW))).model.aggregator
    return dict(aggregator.get("init_weights") or {})


def step_costs(task):
    """The task's step costs measured in one process (``benchmarks/costs/<task>.json``), ``{}`` without one."""
    return load_step_costs(os.path.join(ROOT, COSTS_DIR), task)


def report_block(task, results_dir=RESULTS_DIR):
    """The README block of ``task``: tables and links to the plots, from the results in ``results_dir``."""
    results = load_task_results(os.path.join(ROOT, results_dir), task)
    return render_report(task, results, stale_results(task, results), images=plot_files(task, IMAGE_DIR, results),
                         step_costs=step_costs(task))


LEAGUE_PLOT = "league.png"


def league_block(results_by_task, image_dir=IMAGE_DIR):
    """The README's cross-task league: its table and plot (or a line saying it has no rows yet)."""
    tasks = list(TASKS.values())
    table = render_cross_task_league(tasks, results_by_task, all_step_costs())
    if not table:
        return "No aggregator has results on any task yet."
    return table + f"\n\n![league of aggregators across tasks]({image_dir}/{LEAGUE_PLOT})"


def all_results(results_dir):
    return {name: load_task_results(os.path.join(ROOT, results_dir), task) for name, task in TASKS.items()}


def all_step_costs():
    return {name: step_costs(task) for name, task in TASKS.items()}


def updated_readme(readme_text, task, results_dir=RESULTS_DIR):
    """``readme_text`` with the task's block and the cross-task league regenerated from ``results_dir``."""
    text = replace_block(readme_text, task.name, report_block(task, results_dir))
    return replace_league_block(text, league_block(all_results(results_dir)))


def write_plots(task, results, directory):
    """Draws every plot of ``plot_files`` (one pass: each file's name says which figure it is)."""
    figures = {
        "_rows.png": lambda: plot_rows(task, results),
        "_path_weights.png": lambda: plot_path_weights(task, results, hand_tuned_weights(task)),
        "_path_gradients.png": lambda: plot_path_gradients(task, results),
        "_path_sets.png": lambda: plot_path_sets(task, results),
        "_path_sets_gradients.png": lambda: plot_path_gradients(
            task, results, task.path_gradient_rows, f"{task.path_sets_title}, their rows' per-path gradients"),
        "_weight_sweep.png": lambda: plot_weight_sweep(task, results),
        "_league_gradients.png": lambda: plot_path_gradients(task, results, league_extremes(task, results),
                                                             "the league's three best and three worst rows (in rank order)"),
    }
    files = [path for _, path in plot_files(task, directory, results)]
    for path in files:
        suffix = path[len(os.path.join(directory, task.name)):]
        save_figure(figures[suffix](), os.path.join(ROOT, path))
    print(f"wrote {', '.join(files)}")


def write_league_plot(results_by_task, directory):
    fig = plot_league(list(TASKS.values()), results_by_task)
    if fig is not None:
        save_figure(fig, os.path.join(ROOT, directory, LEAGUE_PLOT))
        print(f"wrote {os.path.join(directory, LEAGUE_PLOT)}")


def report(task, results_dir):
    results = load_task_results(os.path.join(ROOT, results_dir), task)
    stale = stale_results(task, results)
    print(render_rows_table(task, results, stale=stale) + "\n\n" + render_comparisons(task, results))
    results_by_task = all_results(results_dir)
    league = render_cross_task_league(list(TASKS.values()), results_by_task, all_step_costs())
    if league:
        print("\nLeague of aggregators across tasks:\n" + league)
    if os.path.realpath(os.path.join(ROOT, results_dir)) != os.path.realpath(os.path.join(ROOT, RESULTS_DIR)):
        write_plots(task, results, os.path.join(results_dir, task.name))
        write_league_plot(results_by_task, results_dir)
        print(f"{README} is generated from {RESULTS_DIR} only: left alone.")
        return
    write_plots(task, results, IMAGE_DIR)
    write_league_plot(results_by_task, IMAGE_DIR)
    path = os.path.join(ROOT, README)
    with open(path) as f:
        text = f.read()
    with atomic_open(path, "w") as f:
        f.write(updated_readme(text, task, results_dir))
    print(f"wrote the {task.name} block and the league of {README}")


def main():
    rows = "\n".join(f"  {t.name}  {t.config_prefix}<row>.py: {' '.join(t.rows)}\n"
                     f"       extra rows (only with --rows): {' '.join(t.extra_rows)}" for t in TASKS.values())
    parser = argparse.ArgumentParser(description=__doc__, epilog=f"tasks and rows:\n{rows}",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", required=True, choices=sorted(TASKS))
    parser.add_argument("--rows", nargs="+",
                        help="rows to run (default: every paper row of the task; extra rows only when named)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--force", action="store_true", help="re-run rows whose result exists")
    parser.add_argument("--report", action="store_true", help="no training: tables, plots and README block")
    parser.add_argument("--zoo-student", action="store_true",
                        help="evaluate the shipped student for the student row instead of training it")
    parser.add_argument("--results-dir", default=RESULTS_DIR, help=f"where result files go (default {RESULTS_DIR})")
    parser.add_argument("--output-dir", default="output/benchmark", help="training output (default output/benchmark)")
    args = parser.parse_args()
    task = get_task(args.task)
    try:
        rows = check_rows(task, args.rows) if args.rows else list(task.rows)
    except ValueError as e:
        parser.error(str(e))
    if any(seed < 0 for seed in args.seeds):
        parser.error(f"--seeds must be >= 0 (detectron2 draws a random seed for a negative one): {args.seeds}")
    if args.report:
        return report(task, args.results_dir)

    start = time.time()
    print("Dataset:", prepare_dataset(task), flush=True)
    run_benchmark(task, rows, args.seeds, args.results_dir, args.output_dir, force=args.force,
                  zoo_student=args.zoo_student)
    results = load_task_results(os.path.join(ROOT, args.results_dir), task)
    print()
    print(render_rows_table(task, results, rows=rows))
    comparisons = render_comparisons(task, results, rows=rows, paired_only=True) if ADAPTIVE_ROW in rows else ""
    if comparisons:
        print("\n" + comparisons)
    print(f"\n{task.title}; results in {args.results_dir}/{task.name}; whole job {(time.time() - start) / 60:.1f} min.")


if __name__ == "__main__":
    sys.exit(main())
