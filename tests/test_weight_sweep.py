"""Issue 24's weight sweep (adakd/benchmarks/weight_sweep.py): the 0.1× / 10× configs differ from their single
row in the weight alone, and the report's table and curve on hand-written results (tests/benchmark_fixtures.py:
the student's AP 50 / 52 / 54 on seeds 0-2; t(0.975, 2 df) = 4.302653, t(0.975, 1 df) = 12.706205)."""
import os

import pytest
from detectron2.config import LazyConfig
from omegaconf import OmegaConf

from adakd.benchmarks import get_task, load_task_results
from adakd.benchmarks.tasks import CONFIG_DIR, sweep_row
from adakd.benchmarks.weight_sweep import plot_weight_sweep, render_sweep_table, sweep_points

from .benchmark_fixtures import det_results, result, write_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The authors' weights: feature KD 1, LD 0.25 (detection); the paper's hand-tuned AT 1000, ST 0.1 (segmentation).
AUTHORS = {"single_feats": ("feats_p", 1.0), "single_box": ("box", 0.25), "single_at": ("at", 1000.0),
           "single_st": ("st", 0.1)}


@pytest.mark.parametrize("task_name", ["det", "seg"])
def test_sweep_configs_change_the_single_rows_weight_only(task_name):
    task = get_task(task_name)
    assert sweep_row("single_box", 0.1) == "single_box_x0_1" and sweep_row("single_box", 1.0) == "single_box"
    for single in task.swept_rows:
        base = LazyConfig.load(os.path.join(ROOT, task.config(single)))
        path, weight = AUTHORS[single]
        assert base.model.aggregator == {"method": "hand_tuned", "init_weights": {path: weight}}
        for factor in (0.1, 10.0):
            row = sweep_row(single, factor)
            assert row in task.extra_rows
            cfg = LazyConfig.load(os.path.join(ROOT, task.config(row)))
            assert cfg.model.aggregator.init_weights[path] == pytest.approx(factor * weight, rel=1e-12)
            assert cfg.train.output_dir == f"./output/{task.config_prefix}{row}"
            for key in ("model.paths", "model.student", "model.teacher", "optimizer", "dataloader.train",
                        "train.max_iter", "lr_multiplier"):
                assert OmegaConf.select(cfg, key) == OmegaConf.select(base, key), (row, key)
    assert task.config("single_box_x10") == f"{CONFIG_DIR}/{task.config_prefix}single_box_x10.py"


def sweep_results():
    """single_box: ×1 AP 51/53/55 (Δ +1 at every seed), ×10 48/50/53 (Δ −2, −2, −1), ×0.1 on seeds 0-1 only,
    50/53 (Δ 0, +1)."""
    rows = {"single_box": [51.0, 53.0, 55.0], "single_box_x10": [48.0, 50.0, 53.0], "single_box_x0_1": [50.0, 53.0]}
    return [result("det", row, s, {"bbox/AP": ap, "bbox/AP50": 70.0}) for row, aps in rows.items()
            for s, ap in enumerate(aps)]


def test_sweep_table_and_curve_by_hand(tmp_path):
    task = get_task("det")
    results = load_task_results(write_results(str(tmp_path), det_results()), task)
    assert render_sweep_table(task, results) == "" and plot_weight_sweep(task, results) is None
    results = load_task_results(write_results(str(tmp_path), sweep_results()), task)
    points = sweep_points(task, results)
    assert list(points) == ["single_box"]  # single_feats has no weight with a result
    assert [(factor, row) for factor, row, _ in points["single_box"]] == [
        (0.1, "single_box_x0_1"), (1.0, "single_box"), (10.0, "single_box_x10")]
    lines = {line.split(" | ")[2]: line for line in render_sweep_table(task, results).splitlines()
             if line.startswith("| single_box")}
    # ×0.1: Δ 0, +1: mean 0.5, std √0.5, half-width 12.706205 · √0.5 / √2 = 6.3531.
    assert lines["single_box_x0_1"] == "| single_box | 0.1 | single_box_x0_1 | +0.50 [-5.85, +6.85] | 1 of 2 |"
    # ×1: Δ +1 at every seed: std 0, the interval is the point, which excludes zero.
    assert lines["single_box"] == "| single_box | 1 | single_box | +1.00 [+1.00, +1.00] **better** | 3 of 3 |"
    # ×10: Δ −2, −2, −1: mean −1.67, std 1/√3, half-width 4.302653 / 3 = 1.4342.
    assert lines["single_box_x10"] == "| single_box | 10 | single_box_x10 | -1.67 [-3.10, -0.23] **worse** | 0 of 3 |"

    fig = plot_weight_sweep(task, results)
    (ax,) = fig.axes
    seeds = {c.get_label(): c.get_offsets()[:, 1].tolist() for c in ax.collections}
    assert seeds["seeds: single_box_x10"] == [-2.0, -2.0, -1.0]
    (curve,) = ax.containers
    line, _, (bars,) = curve.lines
    assert curve.get_label() == "mean: single_box"
    assert list(line.get_xdata()) == [0.1, 1.0, 10.0]
    assert list(line.get_ydata()) == pytest.approx([0.5, 1.0, -5 / 3])
    assert bars.get_segments()[2][:, 1] == pytest.approx([-3.100884, -0.232449], abs=1e-5)
