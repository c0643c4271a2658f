"""tools/run_benchmark.py --report: statistics, tables, plots and README blocks from hand-written result files
(tests/benchmark_fixtures.py; every expected figure below is worked out by hand in the comments)."""
import importlib.util
import json
import os

import numpy as np
import pytest

from adakd.benchmarks import BenchmarkResultError, get_task, load_task_results
from adakd.benchmarks.plots import plot_path_gradients, plot_path_weights, plot_rows, save_figure
from adakd.benchmarks.report import (
    render_comparisons,
    render_report,
    render_rows_table,
    render_standing,
    replace_block,
)
from adakd.benchmarks.statistics import compare_paired, summarize

from .benchmark_fixtures import cls_results, det_extra_results, det_results, result, write_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_tool():
    spec = importlib.util.spec_from_file_location("run_benchmark", os.path.join(ROOT, "tools/run_benchmark.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def det(tmp_path):
    task = get_task("det")
    return task, load_task_results(write_results(str(tmp_path), det_results()), task)


def table_lines(markdown):
    return {line.split(" | ")[0].strip("| "): line for line in markdown.splitlines() if line.startswith("| ")}


def test_summary_is_mean_and_sample_std():
    # 53, 51, 58: mean 54; squared deviations 1 + 9 + 16 = 26, / (3 - 1) = 13.
    s = summarize([53.0, 51.0, 58.0])
    assert (s.n, s.mean) == (3, 54.0) and s.std == pytest.approx(13 ** 0.5)
    assert summarize([7.0]).std is None and summarize([]).n == 0
    assert summarize([1.0, None, 3.0]).mean == 2.0  # a result without the metric is left out


def test_paired_differences_and_wins_respect_the_metric_direction():
    adaptive, student = {0: 53.0, 1: 51.0, 2: 58.0, 5: 60.0}, {0: 50.0, 1: 52.0, 2: 54.0}
    higher = compare_paired(adaptive, student, higher_is_better=True)
    assert higher.differences == {0: 3.0, 1: -1.0, 2: 4.0}  # seed 5 has no partner
    assert higher.wins == 2 and higher.summary.mean == 2.0 and higher.summary.std == pytest.approx(7 ** 0.5)
    # For an error, a negative difference is a win: here only seed 1.
    assert compare_paired(adaptive, student, higher_is_better=False).wins == 1
    assert compare_paired({0: 1.0}, {0: 1.0}, True).wins == 0 == compare_paired({0: 1.0}, {0: 1.0}, False).wins


def test_rows_table_by_hand(det):
    task, results = det
    lines = table_lines(render_rows_table(task, results))
    assert list(lines) == ["row", *task.rows]  # every row, in the paper's order, run or not
    # student AP 50/52/54 -> 52 ± 2; AP50 70/71/72 -> 71 ± 1.
    assert lines["student"] == "| student | `shapes_student.py` | 52.00 ± 2.00 | 71.00 ± 1.00 | 3 (0, 1, 2) | 0.200 | – |"
    # adaptive AP 53/51/58 -> 54 ± √13 = 3.61; AP50 72/70/73 -> 71.67 ± √(7/3) = 1.53; final v means 1.4 and 0.4.
    assert lines["adaptive"] == ("| adaptive | `shapes_adaptive.py` | 54.00 ± 3.61 | 71.67 ± 1.53 | 3 (0, 1, 2) | 0.400 "
                                 "| feats_p 1.4, box 0.4 |")
    # hand_tuned AP 55/49 -> 52 ± √18 = 4.24.
    assert lines["hand_tuned"].startswith("| hand_tuned | `shapes_hand_tuned.py` | 52.00 ± 4.24 | 71.00 ± 0.00 | 2 (0, 1) |")
    assert lines["teacher"] == "| teacher | `shapes_teacher.py` | 76.00 | 92.00 | shipped | – | – |"
    for row in ("single_feats", "single_box", "equal", "multiobjective"):
        assert lines[row] == f"| {row} | `shapes_{row}.py` | not run | not run | 0 | – | – |"
    stale = render_rows_table(task, results, stale={"adaptive": 2})
    assert "| adaptive † |" in stale and "(adaptive 2)" in stale


def test_paired_comparisons_by_hand(det):
    task, results = det
    lines = [line for line in render_comparisons(task, results).splitlines() if line.startswith("| adaptive")]
    # Every other trained row of the paper's, in its order: single_feats, single_box and equal have no result.
    assert [line.split(" | ")[0] for line in lines[::2]] == [f"| adaptive − {r}" for r in task.rows[:-2] if r != "adaptive"]
    by_row = {line.split(" | ")[0][len("| adaptive − "):] + "/" + line.split(" | ")[1]: line for line in lines}
    assert {k: v for k, v in by_row.items() if k.split("/")[0] in ("student", "hand_tuned", "multiobjective")} == {
        # AP 53-50, 51-52, 58-54 = 3, -1, 4: mean 2, std √7 = 2.6458; t(0.975, 2 df) = 4.302653, so the half
        # width is 4.302653 · √7 / √3 = 6.5723: [-4.57, +8.57], which holds zero.
        "student/AP": "| adaptive − student | AP | s0 +3.00, s1 -1.00, s2 +4.00 | +2.00 ± 2.65 | [-4.57, +8.57] "
                      "| cannot be told apart | 2 of 3 |",
        # AP50 2, -1, 1: 0.67 ± √(7/3) = 1.5275; half width 4.302653 · 1.5275 / √3 = 3.7945.
        "student/AP50": "| adaptive − student | AP50 | s0 +2.00, s1 -1.00, s2 +1.00 | +0.67 ± 1.53 | [-3.13, +4.46] "
                        "| cannot be told apart | 2 of 3 |",
        # Only seeds 0 and 1 have a hand-tuned result: AP -2, +2 -> 0 ± √8; t(0.975, 1 df) = 12.7062, half width
        # 12.7062 · √8 / √2 = 25.41. AP50 1, -1 -> 0 ± √2: half width 12.71.
        "hand_tuned/AP": "| adaptive − hand_tuned | AP | s0 -2.00, s1 +2.00 | +0.00 ± 2.83 | [-25.41, +25.41] "
                         "| cannot be told apart | 1 of 2 |",
        "hand_tuned/AP50": "| adaptive − hand_tuned | AP50 | s0 +1.00, s1 -1.00 | +0.00 ± 1.41 | [-12.71, +12.71] "
                           "| cannot be told apart | 1 of 2 |",
        "multiobjective/AP": "| adaptive − multiobjective | AP | no seed run for both rows | – | – | – | – |",
        "multiobjective/AP50": "| adaptive − multiobjective | AP50 | no seed run for both rows | – | – | – | – |",
    }
    assert "multiobjective" not in render_comparisons(task, results, paired_only=True)
    assert render_comparisons(task, {}, paired_only=True) == ""


def test_interval_verdicts_on_fixed_differences():
    # Five seeds, differences 1.0, 1.2, 0.8, 1.1, 0.9: mean 1, squared deviations 0 + .04 + .04 + .01 + .01 = 0.1,
    # / 4 -> std 0.158114; t(0.975, 4 df) = 2.776445, half width 2.776445 · 0.158114 / √5 = 0.196324.
    a = {s: 10.0 + d for s, d in enumerate([1.0, 1.2, 0.8, 1.1, 0.9])}
    b = {s: 10.0 for s in range(5)}
    higher = compare_paired(a, b, higher_is_better=True)
    assert higher.interval == pytest.approx((1 - 0.196324, 1 + 0.196324), abs=1e-6)
    assert higher.verdict(True) == "better" and higher.verdict(False) == "worse"  # an error 1 point higher
    assert compare_paired(b, a, higher_is_better=True).verdict(True) == "worse"
    # One seed: no interval, no verdict.
    assert compare_paired({0: 2.0}, {0: 1.0}, True).interval is None
    assert compare_paired({0: 2.0}, {0: 1.0}, True).verdict(True) is None


def test_standing_sorts_rows_by_their_interval_verdict(tmp_path):
    task = get_task("det")

    def rows(row, aps):
        return [result("det", row, s, {"bbox/AP": ap, "bbox/AP50": 0.0}) for s, ap in enumerate(aps)]

    # adaptive 50, 52, 54. student 48, 49, 51.5: differences 2, 3, 2.5 -> mean 2.5, std 0.5, half width
    # t(0.975, 2) 4.302653 · 0.5 / √3 = 1.242069: [1.26, 3.74], beats. equal 53, 55.5, 56: -3, -3.5, -2 ->
    # mean -2.833333, std 0.763763, half 1.897296: [-4.73, -0.94], loses to. hand_tuned 49, 53, 55: +1, -1, -1 ->
    # mean -1/3, std 1.154701, half 2.868435: [-3.20, +2.54], cannot be told apart. multiobjective: seed 0 only;
    # single_feats, single_box: not run. The teacher never appears.
    results = (rows("adaptive", [50, 52, 54]) + rows("student", [48, 49, 51.5]) + rows("equal", [53, 55.5, 56])
               + rows("hand_tuned", [49, 53, 55]) + rows("multiobjective", [51])
               + [result("det", "teacher", None, {"bbox/AP": 70.0, "bbox/AP50": 90.0})])
    text = render_standing(task, load_task_results(write_results(str(tmp_path), results), task))
    assert text == (
        "Standing of adaptive on AP (adaptive − row, paired by seed, 95 % interval): **beats** student (+2.50 "
        "[+1.26, +3.74], 3 seeds); **loses to** equal (-2.83 [-4.73, -0.94], 3 seeds); **cannot be told apart from** "
        "hand_tuned (-0.33 [-3.20, +2.54], 3 seeds). Fewer than two common seeds so far: single_feats, single_box, "
        "multiobjective.")
    # Without an adaptive result nothing is paired.
    alone = render_standing(task, load_task_results(write_results(str(tmp_path / "alone"), rows("student", [1, 2])), task))
    assert alone.endswith("no row shares two seeds with it yet. Fewer than two common seeds so far: student, "
                          "single_feats, single_box, equal, hand_tuned, multiobjective.")


def test_an_extra_row_is_reported_once_it_has_results(tmp_path):
    task = get_task("det")
    results = load_task_results(write_results(str(tmp_path), det_results() + det_extra_results()), task)
    lines = table_lines(render_rows_table(task, results))
    assert list(lines) == ["row", *task.rows, "pcgrad"]  # after the paper's rows; the other extra rows not run
    # AP 52/56/57 -> mean 55, squared deviations 9 + 1 + 4 = 14, / 2 = 7: ± √7 = 2.65; AP50 70/70/73 -> 71,
    # 1 + 1 + 4 = 6, / 2 = 3: ± √3 = 1.73; final v means (0.6 + 0.8 + 1.0) / 3 = 0.8 and (1.5 + 1.4 + 1.3) / 3 = 1.4.
    assert lines["pcgrad"] == ("| pcgrad | `shapes_pcgrad.py` | 55.00 ± 2.65 | 71.00 ± 1.73 | 3 (0, 1, 2) | 0.500 "
                               "| feats_p 0.8, box 1.4 |")
    assert "| pcgrad † |" in render_rows_table(task, results, stale={"pcgrad": 1})
    comparisons = [line for line in render_comparisons(task, results).splitlines() if "pcgrad" in line]
    assert comparisons == [
        # AP 53-52, 51-56, 58-57 = 1, -5, 1: mean -1, squared deviations 4 + 16 + 4 = 24, / 2: ± √12 = 3.46.
        # t(0.975, 2 df) · √12 / √3 = 4.302653 · 2 = 8.61.
        "| adaptive − pcgrad | AP | s0 +1.00, s1 -5.00, s2 +1.00 | -1.00 ± 3.46 | [-9.61, +7.61] | cannot be told apart "
        "| 2 of 3 |",
        # AP50 72-70, 70-70, 73-73 = 2, 0, 0: mean 2/3, (16 + 4 + 4) / 9 / 2 = 4/3: ± 1.15; only seed 0 won.
        # 4.302653 · 1.1547 / √3 = 2.8684: [0.6667 - 2.8684, 0.6667 + 2.8684] = [-2.20, +3.535].
        "| adaptive − pcgrad | AP50 | s0 +2.00, s1 +0.00, s2 +0.00 | +0.67 ± 1.15 | [-2.20, +3.54] | cannot be told "
        "apart | 1 of 3 |",
    ]
    paper, ap, _, _ = plot_rows(task, results).axes  # AP: the paper's rows, then the extra rows; then AP50
    assert [t.get_text() for t in paper.get_xticklabels()] == list(task.rows)
    assert [t.get_text() for t in ap.get_xticklabels()] == ["pcgrad"]
    seeds = {c.get_label(): c.get_offsets()[:, 1].tolist() for c in ap.collections}
    assert seeds["seeds: pcgrad"] == [52, 56, 57]
    _, _, (bar,) = {c.get_label(): c for c in ap.containers}["mean ± std: pcgrad"].lines
    assert np.asarray(bar.get_segments()[0])[:, 1] == pytest.approx([55 - 7 ** 0.5, 55 + 7 ** 0.5])


def test_extra_rows_without_results_are_left_out_of_the_report(det):
    task, results = det
    extra = set(task.extra_rows)
    report = render_report(task, results, images=[("rows", "docs/images/benchmarks/det_rows.png")])
    assert not extra & set(table_lines(report)) and not any(f"adaptive − {row} " in report for row in extra)
    ticks = [t.get_text() for ax in plot_rows(task, results).axes for t in ax.get_xticklabels()]
    assert ticks == [*task.rows, *task.rows] and not extra & set(ticks)
    # Named explicitly (the runner's table after running them), they are shown, "not run" until they have results.
    named = table_lines(render_rows_table(task, results, rows=["pcgrad"]))
    assert named["pcgrad"] == "| pcgrad | `shapes_pcgrad.py` | not run | not run | 0 | – | – |"


def test_errors_win_when_lower(tmp_path):
    task = get_task("cls")
    results = load_task_results(write_results(str(tmp_path), cls_results()), task)
    lines = [line for line in render_comparisons(task, results).splitlines() if line.startswith("| adaptive − student")]
    # top-1 err 2.0-3.0 = -1 (a win), 3.0-2.5 = +0.5: mean -0.25 ± √1.125 = 1.06, half width t(0.975, 1 df)
    # 12.7062 · 1.0607 / √2 = 9.53. Agreement -1, -1: both won, std 0: the interval is the point -1, which
    # excludes zero, and a lower error is better.
    assert lines == [
        "| adaptive − student | top-1 err (%) | s0 -1.00, s1 +0.50 | -0.25 ± 1.06 | [-9.78, +9.28] | cannot be told "
        "apart | 1 of 2 |",
        "| adaptive − student | top-1 agreement err (%) | s0 -1.00, s1 -1.00 | -1.00 ± 0.00 | [-1.00, -1.00] "
        "| **better** | 2 of 2 |",
    ]
    assert "lower top-1 err (%) / lower top-1 agreement err (%)" in render_comparisons(task, results)
    assert table_lines(render_rows_table(task, results))["teacher"].startswith("| teacher | `shapes_cls_teacher.py` | 1.30 | – |")


def test_rows_plot_has_each_seed_and_mean_std(det):
    task, results = det
    fig = plot_rows(task, results)
    ap, ap50 = fig.axes
    seeds = {c.get_label(): c.get_offsets()[:, 1].tolist() for c in ap.collections if c.get_label().startswith("seeds")}
    assert seeds == {"seeds: student": [50, 52, 54], "seeds: adaptive": [53, 51, 58], "seeds: hand_tuned": [55, 49],
                     "seeds: teacher": [76]}
    bars = {c.get_label(): c for c in ap.containers}
    data_line, _, (bar,) = bars["mean ± std: adaptive"].lines
    assert data_line.get_ydata()[0] == pytest.approx(54.0)
    assert np.asarray(bar.get_segments()[0])[:, 1] == pytest.approx([54 - 13 ** 0.5, 54 + 13 ** 0.5])
    seeds50 = {c.get_label(): c.get_offsets()[:, 1].tolist() for c in ap50.collections}
    assert seeds50["seeds: student"] == [70, 71, 72]
    not_run = sorted(t.get_position()[0] for t in ap.texts if t.get_text() == "not run")
    assert not_run == [task.rows.index(r) for r in ("single_feats", "single_box", "equal", "multiobjective")]
    assert [t.get_text() for t in ap.get_xticklabels()] == list(task.rows)


def test_rows_plot_puts_extra_rows_on_lines_of_near_equal_length(tmp_path):
    from adakd.benchmarks.plots import ROWS_PER_LINE, row_lines

    task = get_task("cls")
    err = "classification/top1_err"
    extra = list(task.extra_rows[:23])
    results = load_task_results(write_results(str(tmp_path), cls_results() + [
        result("cls", row, s, {err: 1.0 + 5 * s}) for row in extra for s in range(2)]), task)
    lines = row_lines(task, results)
    # 23 extra rows need ceil(23 / 14) = 2 lines; ceil(23 / 2) = 12 on the first, 11 on the second, in task order.
    assert ROWS_PER_LINE == 14 and lines == [list(task.rows), extra[:12], extra[12:]]
    axes = plot_rows(task, results).axes
    assert len(axes) == 2 * 3  # two metrics x three lines
    assert [t.get_text() for t in axes[4].get_xticklabels()] == extra[:12]  # agreement error, first extra line

    def references(ax):
        return {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()
                if line.get_label() in ("student alone (mean)", "teacher")}

    # The extra lines (errors 1.0 to 6.0) carry the student's mean (errors 3.0 and 2.5 -> 2.75) and the teacher's
    # 1.3 as references; the paper's line does not (its own student and teacher are on it).
    assert references(axes[1]) == pytest.approx({"student alone (mean)": 2.75, "teacher": 1.3})
    assert references(axes[0]) == {}
    # Fourteen extra rows fit on one line; a reference outside its rows' range (errors 2.0 to 8.0: the teacher's
    # 1.3) is left out, as it would flatten them.
    results = load_task_results(write_results(str(tmp_path / "b"), cls_results() + [
        result("cls", row, 0, {err: 2.0 + 6 * (i % 2)}) for i, row in enumerate(extra[:14])]), task)
    assert row_lines(task, results) == [list(task.rows), extra[:14]]
    assert references(plot_rows(task, results).axes[1]) == pytest.approx({"student alone (mean)": 2.75})


def test_path_weight_plot_mean_band_and_hand_tuned_lines(det):
    task, results = det
    fig = plot_path_weights(task, results, {"feats_p": 1.0, "box": 0.25})
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.lines}
    # feats_p ends at 1.2 / 1.4 / 1.6 (mean 1.4), box at 0.5 / 0.4 / 0.3 (mean 0.4); both start at 1.0 and 0.6.
    assert lines["feats_p mean"].get_xdata().tolist() == [19, 39]
    assert lines["feats_p mean"].get_ydata() == pytest.approx([1.0, 1.4])
    assert lines["box mean"].get_ydata() == pytest.approx([0.6, 0.4])
    assert lines["feats_p hand-tuned (1)"].get_ydata() == pytest.approx([1.0, 1.0])
    assert lines["box hand-tuned (0.25)"].get_ydata() == pytest.approx([0.25, 0.25])
    band = {c.get_label(): c.get_paths()[0].vertices for c in ax.collections}
    at_39 = band["box min–max"][band["box min–max"][:, 0] == 39][:, 1]
    assert at_39.min() == pytest.approx(0.3) and at_39.max() == pytest.approx(0.5)
    assert ax.get_yscale() == "log"
    empty = plot_path_weights(task, {}, {"feats_p": 1.0}).axes[0]
    assert [t.get_text() for t in empty.texts] == ["adaptive: not run"] and not empty.lines


def test_plot_files_are_pngs(det, tmp_path):
    task, results = det
    path = str(tmp_path / "plots" / "det_rows.png")
    save_figure(plot_rows(task, results), path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path / "plots") == ["det_rows.png"]  # no temporary file left behind


def test_readme_block_is_replaced_between_its_markers(det):
    task, results = det
    block = render_report(task, results, images=[("rows", "docs/images/benchmarks/det_rows.png")])
    readme = ("intro\n<!-- benchmark-results det: generated by tools/run_benchmark.py --task det --report -->\nOLD-BLOCK\n"
              "<!-- end of benchmark-results det -->\noutro\n")
    updated = replace_block(readme, "det", block)
    assert "OLD-BLOCK" not in updated and updated.startswith("intro\n") and updated.endswith("outro\n")
    assert block in updated and "![det: rows](docs/images/benchmarks/det_rows.png)" in updated
    assert replace_block(updated, "det", block) == updated
    with pytest.raises(ValueError, match="no benchmark results markers for 'seg'"):
        replace_block(readme, "seg", block)


@pytest.mark.parametrize("task", ["det", "seg", "cls"])
def test_committed_readme_matches_the_committed_results(task):
    tool = load_tool()
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    assert tool.updated_readme(readme, get_task(task)) == readme, f"run: python tools/run_benchmark.py --task {task} --report"


def test_hand_tuned_reference_lines_come_from_the_hand_tuned_config():
    # The authors' weights (README, "Detection distillation"): feature KD 1, LD 0.25; classification AT 1000, ST 0.1.
    tool = load_tool()
    assert tool.hand_tuned_weights(get_task("det")) == {"feats_p": 1.0, "box": 0.25}
    assert tool.hand_tuned_weights(get_task("cls")) == {"at": 1000.0, "st": 0.1}


def test_corrupt_or_misplaced_results_are_named(tmp_path):
    task = get_task("det")
    write_results(str(tmp_path), det_results())
    corrupt = tmp_path / "det" / "student" / "seed1.json"
    corrupt.write_text('{"task": "det", "row": ')
    with pytest.raises(BenchmarkResultError, match=str(corrupt)):
        load_task_results(str(tmp_path), task)
    corrupt.write_text(json.dumps({**det_results()[2], "seed": 7}))  # seed 2's result under seed1.json
    with pytest.raises(BenchmarkResultError, match=r"seed1\.json holds the result of task 'det', row 'student', seed 7"):
        load_task_results(str(tmp_path), task)
    # Diagnostics the league and the plots read: a path without its grad_ratio list is named.
    corrupt.write_text(json.dumps({**det_results()[1], "path_gradient_curve": {"feats_p": {"cos_task": []}}}))
    with pytest.raises(BenchmarkResultError, match=r"seed1\.json: path_gradient_curve\['feats_p'\] needs the lists"):
        load_task_results(str(tmp_path), task)
    corrupt.unlink()
    (tmp_path / "det" / "adaptiv").mkdir()
    with pytest.raises(BenchmarkResultError, match=r"'adaptiv' is not a det row \(valid rows: student, single_feats"):
        load_task_results(str(tmp_path), task)


def test_path_gradient_plot_draws_the_mean_over_seeds_and_its_band():
    task = get_task("det")
    # Two seeds of adaptive: feats_p's ratio 4 and 2 at iteration 99 (mean 3, band 2-4), 1 and 3 at 199 (mean 2);
    # its cosine 0.2 and 0.0, then -0.2 and -0.4. One seed of hand_tuned; the student logs no diagnostics.
    def run(row, seed, ratios, cosines):
        curve = {"feats_p": {"grad_ratio": [[99, ratios[0]], [199, ratios[1]]],
                             "cos_task": [[99, cosines[0]], [199, cosines[1]]]}}
        return dict(row=row, seed=seed, metrics={"bbox/AP": 40.0}, seconds_per_iter=0.1, path_weight_curve={},
                    path_gradient_curve=curve)

    results = {"adaptive": [run("adaptive", 0, (4.0, 1.0), (0.2, -0.2)), run("adaptive", 1, (2.0, 3.0), (0.0, -0.4))],
               "hand_tuned": [run("hand_tuned", 0, (0.5, 0.25), (0.1, 0.1))],
               "student": [dict(row="student", seed=0, metrics={"bbox/AP": 40.0}, seconds_per_iter=0.1,
                                path_weight_curve={})]}
    fig = plot_path_gradients(task, results)
    panels = fig.axes
    assert [ax.get_ylabel().split("\n")[0] for ax in panels[::2]] == ["hand_tuned", "adaptive"]  # the table's order
    lines = {(i, line.get_label()): line.get_ydata().tolist() for i, ax in enumerate(panels) for line in ax.lines
             if not line.get_label().startswith("_")}
    assert lines[(2, "feats_p mean")] == [3.0, 2.0] and lines[(3, "feats_p mean")] == pytest.approx([0.1, -0.3])
    assert lines[(0, "feats_p mean")] == [0.5, 0.25]
    band = next(c for c in panels[2].collections if c.get_label() == "feats_p min–max")
    low_high = band.get_paths()[0].vertices[:, 1]
    assert {2.0, 4.0, 1.0, 3.0} <= set(np.round(low_high, 6))
    assert not [c for c in panels[0].collections if c.get_label().endswith("min–max")]  # one seed: no band
    empty = plot_path_gradients(task, {"student": results["student"]})
    assert empty.axes[0].texts[0].get_text() == "no gradient diagnostics logged"
    # A sweep row is drawn after the paper's rows; a balancer only in the league's picture (best and worst three).
    more = {**results, "pcgrad": [run("pcgrad", 0, (1.0, 1.0), (0.5, 0.5))],
            "single_box_x10": [run("single_box_x10", 0, (8.0, 8.0), (0.3, 0.3))]}
    drawn = plot_path_gradients(task, more)
    assert [ax.get_ylabel().split("\n")[0] for ax in drawn.axes[::2]] == ["hand_tuned", "adaptive", "single_box_x10"]
    # The detection paths' rows (PKD, CrossKD) get a picture of their own, once one of them logged diagnostics, in
    # the task's order of those rows.
    tool = load_tool()
    caption = "Detection paths: each path's gradient against the task's"
    assert caption not in dict(tool.plot_files(task, "images", more))
    more.update(adaptive_pkd_box=[run("adaptive_pkd_box", 0, (2.0, 2.0), (0.1, 0.1))],
                single_crosskd=[run("single_crosskd", 0, (1.0, 1.0), (0.3, 0.3))])
    assert dict(tool.plot_files(task, "images", more))[caption] == "images/det_path_sets_gradients.png"
    drawn = plot_path_gradients(task, more, task.path_gradient_rows)
    assert [ax.get_ylabel().split("\n")[0] for ax in drawn.axes[::2]] == ["single_crosskd", "adaptive_pkd_box"]


def test_path_sets_plot_puts_each_sets_hand_tuned_and_adaptive_seeds_side_by_side(tmp_path):
    from adakd.benchmarks.plots import plot_path_sets
    from adakd.benchmarks.tasks import FIGURE2_PAIRS

    from .benchmark_fixtures import result

    task = get_task("cls")
    assert plot_path_sets(task, load_task_results(write_results(str(tmp_path / "a"), cls_results()), task)) is None
    err = "classification/top1_err"
    extra = [result("cls", "hand_tuned_ofd_st", s, {err: e}) for s, e in enumerate([6.0, 8.0, 7.0])]
    extra += [result("cls", "adaptive_ofd_st", s, {err: e}) for s, e in enumerate([1.0, 5.5])]
    extra += [result("cls", "hand_tuned", s, {err: e}) for s, e in enumerate([4.0, 4.5])]
    results = load_task_results(write_results(str(tmp_path / "b"), cls_results() + extra), task)
    ax = plot_path_sets(task, results).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["AT + ST", "AT + SR", "FM + ST", "FM + SR", "OFD + ST",
                                                            "OFD + SR"]
    assert len(FIGURE2_PAIRS) == 5 and ax.get_title().startswith("Figure 2 on shapes_cls")
    seeds = {c.get_label(): c.get_offsets() for c in ax.collections}
    # AT + ST (x = 0) is the task's own hand_tuned / adaptive rows; OFD + ST is x = 4, hand-tuned left of adaptive.
    assert seeds["seeds: hand_tuned"][:, 1].tolist() == [4.0, 4.5] and seeds["seeds: adaptive"][:, 1].tolist() == [2.0, 3.0]
    assert seeds["seeds: hand_tuned_ofd_st"][:, 1].tolist() == [6.0, 8.0, 7.0]
    assert seeds["seeds: adaptive_ofd_st"][:, 1].tolist() == [1.0, 5.5]
    assert seeds["seeds: hand_tuned_ofd_st"][0, 0] < 4 < seeds["seeds: adaptive_ofd_st"][0, 0]
    _, _, (bar,) = {c.get_label(): c for c in ax.containers}["mean ± std: hand_tuned_ofd_st"].lines
    assert np.asarray(bar.get_segments()[0])[:, 1] == pytest.approx([6.0, 8.0])  # mean 7, sample std 1
    not_run = [t for t in ax.texts if t.get_text() == "not run"]
    assert len(not_run) == 2 * 4  # the four other pairs, both rows each
    # The references (errors 1.0 to 8.0 on the plot): the student's mean error (3.0 and 2.5 -> 2.75) and the
    # shipped teacher's 1.3.
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    references = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines() if line.get_label() in legend}
    assert references == pytest.approx({"student alone (mean)": 2.75, "teacher": 1.3})

    tool = load_tool()
    captions = [c for c, _ in tool.plot_files(task, "d", results)]
    assert captions[-1] == "Figure 2, hand-tuned vs adaptive per set of paths"
    assert captions[-1] not in [c for c, _ in tool.plot_files(task, "d")]


def test_path_sets_table_pairs_each_adaptive_row_with_its_hand_tuned_row(tmp_path):
    from adakd.benchmarks.report import render_path_sets_table

    task = get_task("cls")
    assert render_path_sets_table(task, load_task_results(write_results(str(tmp_path / "a"), cls_results()), task)) == ""
    err = "classification/top1_err"
    extra = [result("cls", "hand_tuned_fm_sr", s, {err: e}) for s, e in enumerate([10.0, 12.0, 14.0])]
    extra += [result("cls", "adaptive_fm_sr", s, {err: e}) for s, e in enumerate([8.0, 9.0, 10.0])]
    extra += [result("cls", "hand_tuned_ofd_st", s, {err: e}) for s, e in enumerate([6.0, 8.0, 7.0])]
    extra += [result("cls", "adaptive_ofd_st", s, {err: e}) for s, e in enumerate([5.0, 5.5])]
    results = load_task_results(write_results(str(tmp_path / "b"), cls_results() + extra), task)
    table = render_path_sets_table(task, results)
    assert table.startswith("Figure 2 (top-1 err (%); adaptive − hand-tuned paired by seed")
    lines = table_lines(table)
    assert list(lines) == ["paths", "AT + ST", "AT + SR", "FM + ST", "FM + SR", "OFD + ST", "OFD + SR"]
    # FM + SR: differences 8 − 10, 9 − 12, 10 − 14 = −2, −3, −4: mean −3, std 1, half-width t(0.975, 2) · 1 / √3
    # = 4.303 / 1.732 = 2.48 -> [−5.48, −0.52], below zero: adaptive's error is lower, better; it wins 3 of 3.
    assert lines["FM + SR"] == "| FM + SR | 12.00 ± 2.00 | 9.00 ± 1.00 | -3.00 [-5.48, -0.52] **better** | 3 of 3 |"
    # OFD + ST: seeds 0 and 1 only: −1 and −2.5, mean −1.75, std 1.5 / √2 = 1.06, half-width 12.706 · 1.06 / √2
    # = 9.53 -> [−11.28, +7.78]; adaptive 5, 5.5 -> 5.25 ± 0.35; hand-tuned 6, 8, 7 -> 7 ± 1.
    assert lines["OFD + ST"] == "| OFD + ST | 7.00 ± 1.00 | 5.25 ± 0.35 | -1.75 [-11.28, +7.78] | 2 of 2 |"
    assert lines["FM + ST"] == "| FM + ST | not run | not run | – | – |"
    assert "| FM + SR |" in render_report(task, results)
    # Detection's sets: Feats_P + Box is its own hand_tuned / adaptive rows (AP 55, 49 and 53, 51, 58 in the
    # fixture: seeds 0 and 1 paired, 53 − 55 = −2 and 51 − 49 = +2: mean 0, std 2.83, half-width 12.706 · 2.83 / √2
    # = 25.41); PKD + Box has hand-tuned 40, 42, 44 and adaptive 41, 42, 46: +1, 0, +2, mean +1, std 1, half-width
    # 4.303 / √3 = 2.48 -> [−1.48, +3.48]; a higher AP is better, adaptive wins seeds 0 and 2.
    det = get_task("det")
    ap = [result("det", "hand_tuned_pkd_box", s, {"bbox/AP": a, "bbox/AP50": 60.0}) for s, a in enumerate([40.0, 42.0, 44.0])]
    ap += [result("det", "adaptive_pkd_box", s, {"bbox/AP": a, "bbox/AP50": 60.0}) for s, a in enumerate([41.0, 42.0, 46.0])]
    det_lines = table_lines(render_path_sets_table(det, load_task_results(
        write_results(str(tmp_path / "c"), det_results() + ap), det)))
    assert list(det_lines) == ["paths", "Feats_P + Box", "PKD + Box", "PKD + CrossKD + Box"]
    assert det_lines["Feats_P + Box"] == "| Feats_P + Box | 52.00 ± 4.24 | 54.00 ± 3.61 | +0.00 [-25.41, +25.41] | 1 of 2 |"
    assert det_lines["PKD + Box"] == "| PKD + Box | 42.00 ± 2.00 | 43.00 ± 2.65 | +1.00 [-1.48, +3.48] | 2 of 3 |"
