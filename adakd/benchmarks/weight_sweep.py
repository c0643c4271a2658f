"""Does any weight of a path help? (issue 24, item 7): each single-path row of a task at 0.1×, 1× and 10× its
authors' weight, as the paired difference to the student alone (same seeds) with its 95 % interval, as a table
and as a curve against the weight."""
from matplotlib.figure import Figure

from .statistics import compare_paired, metric_by_seed
from .tasks import STUDENT_ROW, SWEEP_FACTORS, sweep_row


def sweep_points(task, results):
    """``{single row: [(factor, row, PairedComparison to the student), ...]}`` over the factors with results, on
    the task's main metric; a single row none of whose weights has a result is left out."""
    metric = task.metrics[0]
    student = metric_by_seed(results.get(STUDENT_ROW, []), metric.key)
    points = {}
    for single in task.swept_rows:
        for factor in SWEEP_FACTORS:
            row = sweep_row(single, factor)
            by_seed = metric_by_seed(results.get(row, []), metric.key)
            if by_seed:
                points.setdefault(single, []).append(
                    (factor, row, compare_paired(by_seed, student, metric.higher_is_better)))
    return points


def has_sweep_results(task, results):
    """Whether a swept weight other than the single row's own (0.1× or 10×) has a result."""
    return any(results.get(sweep_row(single, f)) for single in task.swept_rows for f in SWEEP_FACTORS if f != 1)


def render_sweep_table(task, results):
    """Markdown: per single path and weight factor, the row, its paired difference to the student (mean, 95 %
    interval, seeds won); "" until a 0.1× or 10× row has a result."""
    if not has_sweep_results(task, results):
        return ""
    metric = task.metrics[0]
    lines = [f"Weight sweep (issue 24, item 7): each path alone at 0.1×, 1× and 10× its authors' weight, Δ {metric.label} "
             "to the student with the same seed (95 % interval; bold where it excludes zero):", "",
             f"| path row | weight × | row | Δ {metric.label} to student | seeds won |", "|---|---|---|---|---|"]
    for single, points in sweep_points(task, results).items():
        for factor, row, paired in points:
            if not paired.differences:
                cells = ["no seed run for both", "–"]
            else:
                cells = [paired.describe(metric.higher_is_better), f"{paired.wins} of {paired.summary.n}"]
            lines.append(f"| {single} | {factor:g} | {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_weight_sweep(task, results):
    """One panel per swept path: Δ to the student against the weight factor (log axis), each seed a dot and the
    mean with its 95 % interval; ``None`` until a 0.1× or 10× row has a result. Artists are labelled
    ``"seeds: <row>"`` and ``"mean: <single row>"``."""
    if not has_sweep_results(task, results):
        return None
    points = sweep_points(task, results)
    metric = task.metrics[0]
    fig = Figure(figsize=(3.6 * len(points) + 0.8, 3.4), layout="constrained")
    axes = fig.subplots(1, len(points), squeeze=False)[0]
    for ax, (single, path_points) in zip(axes, points.items()):
        factors, means, errors = [], [], [[], []]
        for factor, row, paired in path_points:
            if not paired.differences:
                continue
            values = list(paired.differences.values())
            ax.scatter([factor * 1.08] * len(values), values, s=14, color="C0", zorder=3, label=f"seeds: {row}")
            mean = paired.summary.mean
            low, high = paired.interval if paired.interval is not None else (mean, mean)
            factors.append(factor)
            means.append(mean)
            errors[0].append(mean - low)
            errors[1].append(high - mean)
        ax.errorbar(factors, means, yerr=errors, fmt="s-", color="black", markersize=4, capsize=4,
                    label=f"mean: {single}")
        ax.axhline(0.0, color="0.5", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xticks(SWEEP_FACTORS, [f"{f:g}×" for f in SWEEP_FACTORS])
        ax.set_xlabel(f"{single}: weight / the authors' weight")
        ax.set_ylabel(f"Δ {metric.label} to the student")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{task.title}\nweight sweep: dots seeds, black mean with its 95 % interval", fontsize=9)
    return fig
