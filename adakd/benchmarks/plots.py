"""Plots of the benchmark results (matplotlib, no display needed): every row with one dot per seed and its
mean ± std, and the adaptive path weights over training against the hand-tuned ones.

Each function returns the matplotlib ``Figure``; artists carry labels (``"seeds: <row>"``,
``"mean ± std: <row>"``, ``"<path> mean"``, ...) so that their data can be checked."""
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..utils.atomic_write import atomic_open
from .statistics import summarize
from .tasks import ADAPTIVE_ROW, STUDENT_ROW, TEACHER_ROW


def metric_values(results, row, key):
    """Every result of ``row`` that has metric ``key``, its value (seeded runs and a shipped one alike)."""
    return [r["metrics"][key] for r in results.get(row, []) if r["metrics"].get(key) is not None]


# Rows per line of the rows plot beyond the paper's: a task's extra rows (league, Figure 2, Table 3, sweeps) run to
# thirty and more, which side by side make a picture too wide to read.
ROWS_PER_LINE = 14


def row_lines(task, results):
    """The rows plot's lines of rows: the paper's rows, then the extra rows that have a result, split into as few
    lines of at most ``ROWS_PER_LINE`` as they need, of near-equal length, in the task's order."""
    extra = list(task.reported_rows(results)[len(task.rows):])
    if not extra:
        return [list(task.rows)]
    size = -(-len(extra) // -(-len(extra) // ROWS_PER_LINE))  # ceil(n / number of lines needed)
    return [list(task.rows)] + [extra[i:i + size] for i in range(0, len(extra), size)]


def draw_references(ax, results, metric, within=None):
    """The student alone (mean over its seeds, dashed) and the teacher (dotted) as grey horizontal lines on ``ax``,
    each only where it falls ``within`` (low, high) when given; the lines drawn (for a legend)."""
    references = []
    for row, style, label in ((STUDENT_ROW, "--", "student alone (mean)"), (TEACHER_ROW, ":", "teacher")):
        values = metric_values(results, row, metric.key)
        if values and (within is None or within[0] <= summarize(values).mean <= within[1]):
            references.append(ax.axhline(summarize(values).mean, color="0.4", ls=style, lw=1, label=label))
    return references


def plot_rows(task, results):
    """Per task metric, one panel per line of rows (``row_lines``: the paper's rows, then the extra rows that have a
    result); per row, its seeds as dots and mean ± sample std as a bar (paper rows not run yet are named on the
    axis and marked "not run"; "n/a" where a row that ran lacks the metric). The extra rows' panels carry the
    student's mean and the teacher as grey reference lines, where they fall within the panel's rows' range. Axes
    are in metric-major order."""
    lines = row_lines(task, results)
    width = max(len(rows) for rows in lines)
    fig = Figure(figsize=(3.2 + 0.9 * width, 3.6 * len(task.metrics) * len(lines)), layout="constrained")
    axes = fig.subplots(len(task.metrics) * len(lines), 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        metric, rows = task.metrics[i // len(lines)], lines[i % len(lines)]
        for x, row in enumerate(rows):
            values = metric_values(results, row, metric.key)
            if not values:  # "n/a": the row ran but has no such metric (the teacher's agreement with itself)
                ax.text(x, 0.05, "n/a" if results.get(row) else "not run", transform=ax.get_xaxis_transform(),
                        rotation=90, ha="center", va="bottom", color="0.5")
                continue
            ax.scatter([x - 0.12] * len(values), values, s=18, color="C0", zorder=3,
                       label=f"seeds: {row}")
            summary = summarize(values)
            ax.errorbar([x + 0.12], [summary.mean], yerr=[summary.std or 0.0], fmt="s", color="black",
                        markersize=4, capsize=4, label=f"mean ± std: {row}")
        # On a line of extra rows, the references that fall within its rows' range (a teacher far above would
        # flatten them).
        if i % len(lines):
            references = draw_references(ax, results, metric, within=ax.get_ylim())
            if references:
                ax.legend(handles=references, fontsize=7, loc="best")
        ax.set_xticks(range(len(rows)), rows, rotation=30, ha="right")
        ax.set_xlim(-0.6, width - 0.4)
        ax.set_ylabel(metric.label + ("" if metric.higher_is_better else " (lower is better)"))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title(f"{task.title}\ndots: seeds; black: mean ± sample std"
                      + ("; grey lines: the student alone (dashed), the teacher (dotted)" if len(lines) > 1 else ""),
                      fontsize=9)
    return fig


def has_path_set_results(task, results):
    """Whether a set of paths beyond the task's own hand-tuned / adaptive rows has a result (then the table and plot
    of ``task.path_sets`` are drawn)."""
    return any(results.get(row) for path_set in task.path_sets if path_set.suffix for row in path_set.rows)


def plot_path_sets(task, results):
    """Hand-tuned against adaptive per set of paths of ``task.path_sets`` (classification: the paper's Figure 2, an
    intermediate path, AT / FM / OFD, with an output path, ST / SR): the hand-tuned row's seeds and the adaptive
    row's, side by side, each with its mean ± sample std, on the task's main metric, with the student's mean and
    the teacher as references where they fall within the rows' range. ``None`` until a set beyond the task's own
    has a result."""
    if not has_path_set_results(task, results):
        return None
    metric, sets = task.metrics[0], task.path_sets
    fig = Figure(figsize=(max(8.0, 2.0 + 1.2 * len(sets)), 3.8), layout="constrained")  # the title's width at least
    ax = fig.subplots()
    for x, path_set in enumerate(sets):
        for offset, row, color in zip((-0.17, 0.17), path_set.rows, ("C1", "C0")):
            values = metric_values(results, row, metric.key)
            if not values:
                ax.text(x + offset, 0.05, "not run", transform=ax.get_xaxis_transform(), rotation=90, ha="center",
                        va="bottom", color="0.5", fontsize=7)
                continue
            ax.scatter([x + offset - 0.05] * len(values), values, s=16, color=color, zorder=3,
                       label=f"seeds: {row}")
            summary = summarize(values)
            ax.errorbar([x + offset + 0.05], [summary.mean], yerr=[summary.std or 0.0], fmt="s", color=color,
                        markeredgecolor="black", markersize=4, capsize=3, label=f"mean ± std: {row}")
    references = draw_references(ax, results, metric, within=ax.get_ylim())
    if references:
        ax.legend(handles=references, fontsize=7, loc="best")
    ax.set_xticks(range(len(sets)), [path_set.label for path_set in sets])
    ax.set_xlim(-0.6, len(sets) - 0.4)
    ax.set_ylabel(metric.label + ("" if metric.higher_is_better else " (lower is better)"))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"{task.path_sets_title} on {task.dataset}: hand-tuned (orange, left) vs adaptive (blue, right) per "
                 "set of paths\ndots: seeds; squares: mean ± sample std; grey lines: the student alone (dashed), the "
                 "teacher (dotted)", fontsize=9)
    return fig


def _common_curve(curves):
    """(iterations logged by every run, array runs × iterations) of the runs' ``[[iteration, v], ...]``."""
    common = sorted(set.intersection(*[{it for it, _ in c} for c in curves]))
    values = np.array([[dict(map(tuple, c))[it] for it in common] for c in curves], dtype=float)
    return np.array(common), values


def plot_path_weights(task, results, hand_tuned_weights):
    """The adaptive row's path weights v_i over training: mean over its seeds with the min-max band, and the
    hand-tuned row's fixed weights (``{path: v}``) as dashed lines of the same colour. Log scale."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    runs = [r for r in results.get(ADAPTIVE_ROW, []) if r["path_weight_curve"]]
    paths = []
    for r in runs:
        paths += [p for p in r["path_weight_curve"] if p not in paths]
    for i, path in enumerate(paths):
        color = f"C{i}"
        curves = [r["path_weight_curve"][path] for r in runs if path in r["path_weight_curve"]]
        iterations, values = _common_curve(curves)
        ax.plot(iterations, values.mean(axis=0), color=color, label=f"{path} mean")
        if len(curves) > 1:
            ax.fill_between(iterations, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2,
                            linewidth=0, label=f"{path} min–max")
        if path in hand_tuned_weights:
            ax.axhline(hand_tuned_weights[path], color=color, linestyle="--", linewidth=1,
                       label=f"{path} hand-tuned ({hand_tuned_weights[path]:g})")
    if paths:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        low, high = ax.get_ylim()
        if high / low < 10:  # within a decade the minor ticks are the only labels: plain numbers too
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.legend(fontsize=8)
    else:
        message = "no path weights logged" if results.get(ADAPTIVE_ROW) else "not run"
        ax.text(0.5, 0.5, f"{ADAPTIVE_ROW}: {message}", transform=ax.transAxes, ha="center", color="0.5")
    ax.set_xlabel("iteration")
    ax.set_ylabel("path weight v = e^-z")
    seeds = f"{len(runs)} seed{'' if len(runs) == 1 else 's'}"
    ax.set_title(f"{task.title}\nadaptive path weights, mean over {seeds} (band: min–max)", fontsize=9)
    ax.grid(alpha=0.3)
    return fig


def rows_with_gradients(results, rows):
    """Those of ``rows`` with a result that logged gradient diagnostics."""
    return [row for row in rows if any(r.get("path_gradient_curve") for r in results.get(row, []))]


def plot_path_gradients(task, results, rows=None, subtitle="per-path gradients against the task's"):
    """Why each distillation row lands where it does: per row with logged gradient diagnostics (one line of panels
    each; ``rows`` default: ``task.gradient_rows``), every path's gradient norm as a ratio to the task's (log scale)
    and its cosine with the task's gradient, over training: mean over the row's seeds, band min-max."""
    rows = rows_with_gradients(results, task.gradient_rows(results) if rows is None else rows)
    fig = Figure(figsize=(9.0, 1.0 + 2.3 * max(1, len(rows))), layout="constrained")
    axes = fig.subplots(max(1, len(rows)), 2, squeeze=False)
    if not rows:
        axes[0, 0].text(0.5, 0.5, "no gradient diagnostics logged", transform=axes[0, 0].transAxes, ha="center",
                        color="0.5")
        axes[0, 1].set_visible(False)
    for (ratio_ax, cos_ax), row in zip(axes, rows):
        runs = [r["path_gradient_curve"] for r in results[row] if r.get("path_gradient_curve")]
        paths = []
        for run in runs:
            paths += [p for p in run if p not in paths]
        for i, path in enumerate(paths):
            for ax, key in ((ratio_ax, "grad_ratio"), (cos_ax, "cos_task")):
                curves = [run[path][key] for run in runs if path in run and run[path][key]]
                if not curves:
                    continue
                iterations, values = _common_curve(curves)
                ax.plot(iterations, values.mean(axis=0), color=f"C{i}", label=f"{path} mean")
                if len(curves) > 1:
                    ax.fill_between(iterations, values.min(axis=0), values.max(axis=0), color=f"C{i}", alpha=0.2,
                                    linewidth=0, label=f"{path} min–max")
        ratio_ax.set_yscale("log")
        ratio_ax.axhline(1.0, color="0.4", linewidth=0.8)
        ratio_ax.set_ylabel(f"{row}\n‖∇ path‖ / ‖∇ task‖")
        cos_ax.axhline(0.0, color="0.4", linewidth=0.8)
        cos_ax.set_ylim(-1.05, 1.05)
        cos_ax.set_ylabel("cos(∇ path, ∇ task)")
        ratio_ax.legend(fontsize=7)
        for ax in (ratio_ax, cos_ax):
            ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("iteration")
    axes[-1, 1].set_xlabel("iteration")
    fig.suptitle(f"{task.title}\n{subtitle}, mean over seeds (band: min–max)", fontsize=9)
    return fig


def save_figure(fig, path, dpi=100):
    """Writes ``fig`` as PNG, atomically."""
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png", dpi=dpi)
