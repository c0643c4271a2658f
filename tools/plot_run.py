#!/usr/bin/env python
"""Plots of a training run from its ``metrics.json`` (detectron2's JSONWriter: one JSON object per line).

    python tools/plot_run.py OUTPUT_DIR [--out DIR]

Writes into DIR (default OUTPUT_DIR/plots), each only when the run logged its scalars:

- ``task_losses.png``: the student's task losses (``loss_*`` other than ``loss_distill_*``);
- ``path_losses.png``: every path's unweighted loss (``distill/<path>/loss``), log scale;
- ``path_weights.png``: every path's weight (``distill/<path>/weight``), log scale;
- ``grad_norms.png``: the gradient diagnostics' norms (``distill/<path>/grad_norm``, ``distill/task/grad_norm``);
- ``cosines.png``: ``distill/<path>/cos_task`` and ``distill/cos/<a>/<b>``.

Each PNG is written to a temporary file and renamed, so a reader never sees half of one.
"""
import argparse
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from adakd.utils.atomic_write import atomic_open  # noqa: E402
from adakd.utils.metrics_log import read_metrics_records  # noqa: E402


def read_metrics(path):
    """``{scalar name: [(iteration, value), ...]}`` from a JSONWriter file; a corrupt line raises ValueError
    naming the file and line."""
    series = defaultdict(list)
    for number, record in read_metrics_records(path):
        if "iteration" not in record:
            raise ValueError(f"{path}, line {number}: a JSONWriter record has an 'iteration'")
        for key, value in record.items():
            if key != "iteration" and isinstance(value, (int, float)):
                series[key].append((record["iteration"], float(value)))
    return dict(series)


def figures(series):
    """``{file name: (title, y label, log scale, {label: [(iteration, value)]})}`` for what the run logged."""
    def pick(predicate, label):
        return {label(k): v for k, v in sorted(series.items()) if predicate(k)}

    def is_path_scalar(key, leaf):
        parts = key.split("/")
        return len(parts) == 3 and parts[0] == "distill" and parts[2] == leaf and parts[1] != "cos"

    plots = {
        "task_losses.png": ("Task losses", "loss", False,
                            pick(lambda k: k.startswith("loss_") and not k.startswith("loss_distill_"), str)),
        "path_losses.png": ("Path losses (unweighted)", "loss", True,
                            pick(lambda k: is_path_scalar(k, "loss"), lambda k: k.split("/")[1])),
        "path_weights.png": ("Path weights", "weight v", True,
                             pick(lambda k: is_path_scalar(k, "weight"), lambda k: k.split("/")[1])),
        "grad_norms.png": ("Gradient norms over the student", "norm of the term's gradient", True,
                           pick(lambda k: is_path_scalar(k, "grad_norm"), lambda k: k.split("/")[1])),
        "cosines.png": ("Gradient cosines", "cosine", False,
                        {**pick(lambda k: is_path_scalar(k, "cos_task"), lambda k: f"{k.split('/')[1]} vs task"),
                         **pick(lambda k: k.startswith("distill/cos/"), lambda k: " vs ".join(k.split("/")[2:]))}),
    }
    return {name: plot for name, plot in plots.items() if plot[3]}


def plot_run(output_dir, out_dir=None):
    """Writes the PNGs of the run in ``output_dir``; returns their paths."""
    metrics = os.path.join(output_dir, "metrics.json")
    if not os.path.isfile(metrics):
        raise FileNotFoundError(f"{metrics} does not exist: is {output_dir!r} a training run's output directory?")
    series = read_metrics(metrics)
    out_dir = out_dir or os.path.join(output_dir, "plots")
    written = []
    for name, (title, ylabel, log_scale, curves) in figures(series).items():
        fig, ax = plt.subplots(figsize=(6, 3.5), dpi=80)
        for label, points in curves.items():
            iterations, values = zip(*points)
            ax.plot(iterations, values, label=label, marker="." if len(points) < 30 else None)
        if log_scale and all(v > 0 for points in curves.values() for _, v in points):
            ax.set_yscale("log")
        if name == "cosines.png":
            ax.axhline(0.0, color="gray", linewidth=0.8)
        ax.set(title=f"{title}: {os.path.basename(os.path.normpath(output_dir))}", xlabel="iteration", ylabel=ylabel)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = os.path.join(out_dir, name)
        with atomic_open(path, "wb") as f:
            fig.savefig(f, format="png")
        plt.close(fig)
        written.append(path)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir", help="a run's train.output_dir (holding metrics.json)")
    parser.add_argument("--out", help="where to write the PNGs (default OUTPUT_DIR/plots)")
    args = parser.parse_args(argv)
    try:
        written = plot_run(args.output_dir, args.out)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f"plot_run: {e}")
    if not written:
        sys.exit(f"plot_run: {args.output_dir}/metrics.json holds no losses, weights or diagnostics to plot")
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
