#!/usr/bin/env python
"""Added cost of each path aggregator per training step, as a ratio to ``hand_tuned``, on a toy model.

A small CNN student and a wider teacher, distilled through AT (two layers) and ST (logits); every method
trains the same model for the same steps, interleaved in rounds so that machine noise hits all alike.

    python tools/benchmark_aggregators.py [--steps 40] [--rounds 3] [--threads 1] [--methods equal pcgrad ...]

Rows: every method of ``AGGREGATOR_METHODS``, and ``multiobjective_representation`` (Eq. 4 with MGDA-UB
gradients at the output of the first tapped block, which every path depends on).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from tabulate import tabulate
from torch import nn

from adakd.distill import AGGREGATOR_METHODS, Distiller, DistillPath
from adakd.distill.losses import AttentionTransferLoss, SoftTargetLoss


def toy_classifier(width, num_classes=10):
    def block(c_in, c_out, stride):
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())

    return nn.Sequential(
        block(3, width, 1), block(width, 2 * width, 2), block(2 * width, 4 * width, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, num_classes),
    )


ROWS = (*AGGREGATOR_METHODS, "multiobjective_representation")


def aggregator_config(row):
    if row == "hand_tuned":
        return dict(method=row, init_weights={"at": 1000.0, "st": 0.1})
    if row == "multiobjective_representation":
        return dict(method="multiobjective", representation="1")
    return dict(method=row)


def build(method, seed=0):
    torch.manual_seed(seed)
    student, teacher = toy_classifier(16), toy_classifier(48)
    layerwise = method == "adaptive_layerwise"
    paths = [
        DistillPath("at", ["1", "2"], ["1", "2"], AttentionTransferLoss(), adapter=False, layerwise=layerwise),
        DistillPath("st", "5", "5", SoftTargetLoss(temperature=4.0)),
    ]
    distiller = Distiller(student, teacher, paths, aggregator_config(method))
    params = list(student.parameters()) + list(distiller.parameters())
    return student, teacher, distiller, torch.optim.SGD(params, lr=0.01, momentum=0.9)


def train_steps(model, steps, batch):
    student, teacher, distiller, optimizer = model
    images, labels = batch
    start = time.perf_counter()
    for _ in range(steps):
        logits = student(images)
        with torch.no_grad():
            teacher(images)
        losses = {"loss_cls": F.cross_entropy(logits, labels), **distiller()}
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--methods", nargs="+", default=list(ROWS), choices=ROWS,
                        help="rows to time (hand_tuned, the baseline, is always added)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    batch = (torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,)))
    methods = ["hand_tuned"] + [m for m in args.methods if m != "hand_tuned"]
    models = {method: build(method) for method in methods}
    times = {method: [] for method in methods}
    for method, model in models.items():
        train_steps(model, 3, batch)  # warm-up
    for _ in range(args.rounds):
        for method, model in models.items():
            times[method].append(train_steps(model, args.steps, batch))

    base = statistics.median(times["hand_tuned"])
    rows = [[m, f"{statistics.median(t) * 1000:.1f}", f"{statistics.median(t) / base:.3f}"] for m, t in times.items()]
    print(tabulate(rows, headers=["aggregator", "ms / step (median)", "ratio to hand_tuned"], tablefmt="github"))
    print(f"\nstudent {sum(p.numel() for p in models['hand_tuned'][0].parameters())} params, batch 32×3×32×32, "
          f"{args.steps} steps × {args.rounds} rounds, {args.threads} thread(s)")


if __name__ == "__main__":
    main()
