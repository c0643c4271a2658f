"""The league of aggregators (adakd/benchmarks/league.py) on hand-written results (tests/benchmark_fixtures.py):
ranks, paired differences with their intervals, costs, the cross-task table, the plot and the README block.

Detection here: student AP 50/52/54 (0.2 s/iter), adaptive 53/51/58 (0.4), hand-tuned 55/49 (seeds 0, 1; 0.25),
pcgrad 52/56/57 (0.5), and equal 51/53/53 (0.25) added below. Classification: adaptive top-1 err 2.0/3.0 against
the student's 3.0/2.5 (errors: lower is better). t(0.975, 2 df) = 4.302653, t(0.975, 1 df) = 12.706205."""
import importlib.util
import os

import pytest

from adakd.benchmarks import get_task, load_task_results
from adakd.benchmarks.league import (
    END,
    START,
    cross_task_ranks,
    league_entries,
    plot_league,
    render_cross_task_league,
    render_league_table,
)

from .benchmark_fixtures import cls_results, det_extra_results, det_results, result, write_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = [get_task(name) for name in ("det", "seg", "cls")]


def equal_results():
    return [result("det", "equal", s, {"bbox/AP": ap, "bbox/AP50": 70.0}, seconds_per_iter=0.25)
            for s, ap in enumerate([51.0, 53.0, 53.0])]


@pytest.fixture
def results_dir(tmp_path):
    return write_results(str(tmp_path), det_results() + det_extra_results() + equal_results() + cls_results())


def load_all(results_dir):
    return {task.name: load_task_results(results_dir, task) for task in TASKS}


def test_task_league_ranks_differences_and_costs_by_hand(results_dir):
    results = load_all(results_dir)
    entries = league_entries(get_task("det"), results["det"])
    # Means: pcgrad 55, adaptive 54, equal 52.33, hand_tuned 52 (the student is not an aggregator).
    assert [(e.rank, e.row) for e in entries] == [(1, "pcgrad"), (2, "adaptive"), (3, "equal"), (4, "hand_tuned")]
    by_row = {e.row: e for e in entries}
    # pcgrad − student: 2, 4, 3: mean 3, std 1, half-width 4.302653 / √3 = 2.4841.
    assert by_row["pcgrad"].to_student.interval == pytest.approx((0.515862, 5.484138), abs=1e-6)
    # hand_tuned − student on seeds 0, 1: 5, −3: mean 1, std √32, half-width 12.706205 · √32 / √2 = 50.8248.
    assert by_row["hand_tuned"].to_student.interval == pytest.approx((-49.824819, 51.824819), abs=1e-6)
    # Cost: mean s/iter over the hand-tuned row's 0.25.
    assert {row: e.cost for row, e in by_row.items()} == pytest.approx(
        {"pcgrad": 2.0, "adaptive": 1.6, "equal": 1.0, "hand_tuned": 1.0})
    assert by_row["equal"].to_equal is None
    lines = {line.split(" | ")[1]: line for line in render_league_table(get_task("det"), results["det"]).splitlines()
             if line.startswith("| ") and not line.startswith("| rank")}
    assert lines["pcgrad"] == ("| 1 | pcgrad | 55.00 ± 2.65 | 3 | +3.00 [+0.52, +5.48] **better** | "
                               # pcgrad − equal: 1, 3, 4: mean 2.67, std 1.53, half-width 3.7950.
                               "+2.67 [-1.13, +6.46] | 2.00× | – |")
    # adaptive − student 3, −1, 4: mean 2 ± √7, [−4.57, +8.57]; − equal 2, −2, 5: mean 1.67 ± 3.51, [−7.06, +10.39].
    assert lines["adaptive"] == "| 2 | adaptive | 54.00 ± 3.61 | 3 | +2.00 [-4.57, +8.57] | +1.67 [-7.06, +10.39] | 1.60× | – |"
    # equal − student 1, 1, −1: mean 0.33 ± 1.15, [−2.54, +3.20].
    assert lines["equal"] == "| 3 | equal | 52.33 ± 1.15 | 3 | +0.33 [-2.54, +3.20] | – | 1.00× | – |"
    # One aggregator on a task is no league yet.
    assert render_league_table(get_task("cls"), results["cls"]) == ""


def test_costs_measured_in_one_process_replace_the_runs_own(results_dir, tmp_path):
    import json

    from adakd.benchmarks import BenchmarkResultError
    from adakd.benchmarks.step_costs import load_step_costs

    det, results = get_task("det"), load_all(results_dir)
    costs_dir = tmp_path / "costs"
    assert load_step_costs(str(costs_dir), det) == {}  # no file: the runs' own s/iter, as above
    costs_dir.mkdir()
    # As tools/benchmark_distillation_cost.py --save writes it: hand-tuned 0.3 s/iter, pcgrad 0.45, adaptive 0.33;
    # the diagnostics' row and a config of no det row are not rows; equal was not timed.
    (costs_dir / "det.json").write_text(json.dumps({"seconds_per_iter": {
        "shapes_student.py": 0.2, "shapes_hand_tuned.py": 0.3, "shapes_pcgrad.py": 0.45, "shapes_adaptive.py": 0.33,
        "shapes_adaptive.py model.diagnostics_period=20": 0.5, "shapes_sem_seg_adaptive.py": 9.0}}))
    costs = load_step_costs(str(costs_dir), det)
    assert costs == {"student": 0.2, "hand_tuned": 0.3, "pcgrad": 0.45, "adaptive": 0.33}
    by_row = {e.row: e.cost for e in league_entries(det, results["det"], costs)}
    # 0.45 / 0.3 = 1.5, 0.33 / 0.3 = 1.1 (the runs' own gave 2.0 and 1.6); equal has no measured cost.
    assert by_row == pytest.approx({"pcgrad": 1.5, "adaptive": 1.1, "equal": None, "hand_tuned": 1.0})
    table = render_league_table(det, results["det"], costs)
    assert "cost = s/iter ÷ hand-tuned's, measured side by side in one process" in table
    assert "| 3 | equal | 52.33 ± 1.15 | 3 | +0.33 [-2.54, +3.20] | – | – |" in table
    cross = render_cross_task_league(TASKS, results, {"det": costs})
    assert "| adaptive | 2 of 4, +2.00 [-4.57, +8.57], 1.10× |" in cross
    assert ("det: measured side by side in one process, tools/benchmark_distillation_cost.py; seg: the runs' own, "
            "which read slower where runs shared the CPU; cls: the runs' own") in cross
    # A corrupt or wrong file is named.
    (costs_dir / "det.json").write_text("{")
    with pytest.raises(BenchmarkResultError, match=r"det\.json: not a step-cost file"):
        load_step_costs(str(costs_dir), det)
    (costs_dir / "det.json").write_text(json.dumps({"seconds_per_iter": {"shapes_pcgrad.py": 0.0}}))
    with pytest.raises(BenchmarkResultError, match=r"det\.json: s/iter must be positive, not for shapes_pcgrad\.py"):
        load_step_costs(str(costs_dir), det)


def test_cross_task_table_and_mean_rank_by_hand(results_dir):
    results = load_all(results_dir)
    ranks, mean_rank = cross_task_ranks(TASKS, results)
    # pcgrad: det 1 -> 1.0; adaptive: det 2, cls 1 (alone there) -> 1.5; equal det 3; hand_tuned det 4.
    assert list(ranks) == ["pcgrad", "adaptive", "equal", "hand_tuned"]
    assert mean_rank == {"pcgrad": 1.0, "adaptive": 1.5, "equal": 3.0, "hand_tuned": 4.0}
    lines = {line.split(" | ")[0][2:]: line for line in render_cross_task_league(TASKS, results).splitlines()
             if line.startswith("| ")}
    # adaptive on cls: err − student's 2.0 − 3.0 = −1, 3.0 − 2.5 = +0.5: mean −0.25, std 1.0607,
    # half-width 12.706205 · 1.0607 / √2 = 9.5296; cls has no hand-tuned result, so no cost.
    assert lines["adaptive"] == ("| adaptive | 2 of 4, +2.00 [-4.57, +8.57], 1.60× | not run | "
                                 "1 of 1, -0.25 [-9.78, +9.28] | 1.5 (2 tasks) |")
    assert lines["pcgrad"].endswith("| not run | not run | 1.0 (1 task) |")


def test_rows_a_task_does_not_have_are_not_applicable(results_dir):
    results = load_all(results_dir)
    results["cls"] = load_task_results(write_results(results_dir, [
        result("cls", "adaptive_layerwise", s, {"classification/top1_err": e}) for s, e in enumerate([2.5, 2.0])]),
        get_task("cls"))
    lines = {line.split(" | ")[0][2:]: line for line in render_cross_task_league(TASKS, results).splitlines()
             if line.startswith("| ")}
    # Classification's layer-wise row exists for neither detection nor segmentation (their paths have no layers).
    assert lines["adaptive_layerwise"].startswith("| adaptive_layerwise | n/a | n/a | ")


def test_league_plot_draws_each_seeds_difference_and_the_interval(results_dir):
    results = load_all(results_dir)
    fig = plot_league(TASKS, results)
    det_axis = fig.axes[0]
    seeds = {c.get_label(): c.get_offsets() for c in det_axis.collections}
    # Rows top to bottom by mean rank: pcgrad at y = 0 (dots drawn 0.15 below the line's centre).
    assert seeds["seeds: det/pcgrad"].tolist() == [[2.0, 0.15], [4.0, 0.15], [3.0, 0.15]]
    assert seeds["seeds: det/hand_tuned"][:, 0].tolist() == [5.0, -3.0]
    means = {c.get_label(): c.lines for c in det_axis.containers}
    data_line, _, (bar,) = means["mean: det/adaptive"]
    assert list(data_line.get_xdata()) == [2.0]
    # The bar spans the 95 % interval of adaptive − student, [−4.57, +8.57].
    assert bar.get_segments()[0][:, 0] == pytest.approx([-4.572411, 8.572411], abs=1e-6)
    assert plot_league(TASKS, {}) is None


def test_report_writes_the_league_block_and_plot(results_dir, tmp_path):
    spec = importlib.util.spec_from_file_location("run_benchmark", os.path.join(ROOT, "tools/run_benchmark.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    readme = "\n".join(["x", f"<!-- benchmark-results det: generated by tools/run_benchmark.py --task det --report -->",
                        "<!-- end of benchmark-results det -->", START, "old", END, "y"])
    text = tool.updated_readme(readme, get_task("det"), results_dir)
    block = text[text.index(START) + len(START):text.index(END)]
    assert block.splitlines()[1].startswith("| row | det: rank, Δ AP to student, cost |")
    assert "| adaptive | 2 of 4," in block and "![league of aggregators across tasks](docs/images/benchmarks/league.png)" in block
    assert "League of aggregators (AP" in text  # the task's own league inside its block
    assert text.startswith("x\n") and text.endswith("\ny")
    empty = write_results(str(tmp_path / "empty"), [])
    assert "No aggregator has results on any task yet." in tool.league_block(load_all(empty))
    with pytest.raises(ValueError, match="README has no league markers"):
        tool.updated_readme(readme.replace(START, ""), get_task("det"), results_dir)


def test_report_draws_the_gradients_of_the_leagues_three_best_and_three_worst(results_dir):
    from adakd.benchmarks.league import league_extremes

    results = load_all(results_dir)
    det = get_task("det")
    # Ranks: pcgrad, adaptive, equal, hand_tuned. The best and the worst one each:
    assert league_extremes(det, results["det"], n=1) == ["pcgrad", "hand_tuned"]
    assert league_extremes(det, results["det"]) == ["pcgrad", "adaptive", "equal", "hand_tuned"]
    spec = importlib.util.spec_from_file_location("run_benchmark", os.path.join(ROOT, "tools/run_benchmark.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    # Four aggregators: the task's own gradient plot shows them all, no league plot.
    assert tool.LEAGUE_GRADIENTS_CAPTION not in dict(tool.plot_files(det, "images", results["det"]))
    curve = {"feats_p": {"grad_ratio": [[0, 2.0], [100, 3.0]], "cos_task": [[0, 0.1], [100, 0.2]]}}
    # Seven more aggregators, with diagnostics, AP 40 (uncertainty) to 46 (famo): below the four above.
    extra = [dict(result("det", row, 0, {"bbox/AP": 40.0 + k, "bbox/AP50": 60.0}), path_gradient_curve=curve)
             for k, row in enumerate(["uncertainty", "dwa", "gradnorm", "cagrad", "imtl_g", "nash_mtl", "famo"])]
    results["det"] = load_task_results(write_results(results_dir, extra), det)
    chosen = league_extremes(det, results["det"])
    assert chosen == ["pcgrad", "adaptive", "equal", "gradnorm", "dwa", "uncertainty"]
    captions = {caption: path for caption, path in tool.plot_files(det, "images", results["det"])}
    assert captions[tool.LEAGUE_GRADIENTS_CAPTION] == "images/det_league_gradients.png"
    fig = tool.plot_path_gradients(det, results["det"], chosen)
    # Panels only for the chosen rows that logged diagnostics (the three worst here), in rank order.
    assert [ax.get_ylabel().split("\n")[0] for ax in fig.axes[::2]] == ["gradnorm", "dwa", "uncertainty"]


def test_gradient_column_is_each_paths_median_ratio_after_the_first_iterations(results_dir):
    from adakd.benchmarks.league import median_gradient_ratios

    # Seed 0 logs 9.0 at iteration 0 (left out), then 2.0 and 4.0; seed 1 logs 3.0 and 0.5: median of
    # 2, 4, 3, 0.5 = 2.5. ST only on seed 1, at iteration 100: 0.01. A run without diagnostics adds nothing.
    runs = [{"path_gradient_curve": {"at": {"grad_ratio": [[0, 9.0], [100, 2.0], [200, 4.0]], "cos_task": []}}},
            {"path_gradient_curve": {"at": {"grad_ratio": [[100, 3.0], [300, 0.5]], "cos_task": []},
                                     "st": {"grad_ratio": [[0, 7.0], [100, 0.01]], "cos_task": []}}},
            {"path_gradient_curve": {}}]
    assert median_gradient_ratios(runs) == {"at": 2.5, "st": 0.01}
    assert median_gradient_ratios(runs, since=0) == {"at": 3.0, "st": 3.505}
    assert median_gradient_ratios(runs[2:]) == {}
    # In the table: rows without diagnostics read "–"; pcgrad's two seeds logged feats_p 2.0 / 0.03 and 6.0.
    curves = [{"feats_p": {"grad_ratio": [[0, 50.0], [100, 2.0], [200, 0.03]], "cos_task": []}},
              {"feats_p": {"grad_ratio": [[100, 6.0]], "cos_task": []}}]
    pcgrad = [dict(result("det", "pcgrad", s, {"bbox/AP": ap, "bbox/AP50": 70.0}, seconds_per_iter=0.5),
                   path_gradient_curve=c) for s, (ap, c) in enumerate(zip([52.0, 56.0], curves))]
    det = get_task("det")
    results = load_task_results(write_results(results_dir, pcgrad), det)
    lines = {line.split(" | ")[1]: line for line in render_league_table(det, results).splitlines()
             if line.startswith("| ") and not line.startswith("| rank")}
    assert lines["pcgrad"].endswith("| 2.00× | feats_p 2 |")
    assert lines["equal"].endswith("| 1.00× | – |")
