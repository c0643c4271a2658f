#!/usr/bin/env python
"""Wall time per training iteration of a distillation config relative to its plain student config, both
measured in this one process: same data loader settings, same batches, interleaved rounds so that machine
noise hits both alike. Each measured step is a full detectron2 SimpleTrainer step (forward of student and,
for distillation, teacher; backward; optimizer step).

    python tools/benchmark_distillation_cost.py                       # shapes detection (GFL)
    python tools/benchmark_distillation_cost.py --student shapes_sem_seg_student.py \\
        --distill shapes_sem_seg_adaptive.py                          # shapes segmentation
    python tools/benchmark_distillation_cost.py --distill shapes_adaptive.py \\
        shapes_multiobjective_representation.py shapes_multiobjective.py shapes_hand_tuned.py \\
        shapes_pcgrad.py --diagnostics-period 20   # aggregators and diagnostics, each also as a ratio to the first

Every distillation config gets its time also as a ratio to the first one given (e.g. multiobjective with
MGDA-UB gradients / adaptive). ``--diagnostics-period N`` adds, for each distillation config, a row of the same
config with ``model.diagnostics_period=N`` (the cost of the gradient diagnostics).

``--variant`` times candidate speed-ups next to the unchanged configs, on the student and the first
distillation config: a config override (``--variant dataloader.train.num_workers=0``) or ``channels_last``
(student and teacher converted to ``torch.channels_last``); each variant row also gets its ratio to its own
unchanged config.

``--save FILE.json`` also writes each config's s/iter there (``benchmarks/costs/<task>.json`` is what the benchmark
report's league reads for its cost column, in place of the runs' own s/iter).

``--breakdown`` then profiles each distillation config (torch.profiler, CPU time of the named ranges the
library marks: ``adakd::teacher_forward``, ``adakd::path::<name>`` with its ``::adapter`` and ``::loss``,
``adakd::non_local`` inside feature KD's loss, ``adakd::aggregator``) and prints what each part costs per step,
next to the plain student's whole step; what is left is the backward of the paths and the larger optimizer step.
"""
import argparse
import os
import statistics
import time
from collections import defaultdict

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.engine import SimpleTrainer
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage
from tabulate import tabulate

from adakd.config import apply_checked_overrides
from adakd.engine.lazy_train import resolve_device
from adakd.utils.atomic_write import atomic_write_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects", "AdaptiveKD", "configs")


CHANNELS_LAST = "channels_last"


def build_trainer(config, overrides=()):
    overrides = list(overrides)
    channels_last = CHANNELS_LAST in overrides
    overrides = [o for o in overrides if o != CHANNELS_LAST]
    cfg = apply_checked_overrides(LazyConfig.load(os.path.join(CONFIGS, config)), overrides)
    resolve_device(cfg)
    seed_all_rng(0)
    model = instantiate(cfg.model).to(cfg.train.device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    cfg.optimizer.params.model = model
    return SimpleTrainer(model, instantiate(cfg.dataloader.train), instantiate(cfg.optimizer))


def time_steps(trainer, steps):
    with EventStorage(0) as storage:
        trainer.storage = storage
        start = time.perf_counter()
        for i in range(steps):
            storage.iter = trainer.iter = i
            trainer.run_step()
            storage.step()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps


def profile_ranges(trainer, steps):
    """(profiled seconds per step, {named range: seconds per step}) of ``steps`` steps under torch.profiler."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        per_step = time_steps(trainer, steps)
    totals = defaultdict(float)
    for event in profiler.events():
        if event.name.startswith("adakd::"):
            totals[event.name] += event.cpu_time_total / 1e6 / steps
    return per_step, dict(totals)


def print_breakdown(label, student_step, trainer, steps):
    per_step, ranges = profile_ranges(trainer, steps)
    parts = sorted(ranges, key=lambda name: (not name.startswith("adakd::teacher"), name))
    rows = [["the student's own step (plain config, unprofiled)", f"{student_step * 1e3:.1f}", ""]]
    rows += [[name, f"{ranges[name] * 1e3:.1f}", f"{ranges[name] / per_step:.1%}"] for name in parts]
    top = ["adakd::teacher_forward", "adakd::aggregator"] + [n for n in ranges if n.count("::") == 2]
    rest = per_step - sum(ranges.get(n, 0.0) for n in top)
    rows.append(["rest: student step, paths' backward, optimizer", f"{rest * 1e3:.1f}", f"{rest / per_step:.1%}"])
    print(f"\n{label}: {per_step * 1e3:.1f} ms per profiled step ({steps} steps; nested ranges are part of "
          f"the range above them)")
    print(tabulate(rows, headers=["part", "ms per step", "share of the step"], tablefmt="github"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", default="shapes_student.py")
    parser.add_argument("--distill", nargs="+", default=["shapes_adaptive.py"],
                        help="distillation configs; ratios are also given to the first")
    parser.add_argument("--diagnostics-period", type=int, default=0,
                        help="also time each distillation config with model.diagnostics_period=N "
                             "(diagnostics run at the steps whose index is a multiple of N: make --steps one)")
    parser.add_argument("--variant", nargs="+", default=[], metavar="OVERRIDE",
                        help="candidate speed-ups: config overrides, or 'channels_last'; each is timed on the student "
                             "and on the first distillation config")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per config per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per config before the rounds")
    parser.add_argument("--breakdown", action="store_true",
                        help="then profile each distillation config: what its parts cost per step")
    parser.add_argument("--save", metavar="FILE.json",
                        help="also write each config's s/iter (median of rounds) there, e.g. benchmarks/costs/cls.json, "
                             "which the benchmark report's league reads for its cost column")
    args = parser.parse_args()
    save = os.path.abspath(args.save) if args.save else None  # before the chdir below

    os.chdir(ROOT)  # configs name shipped checkpoints relative to the repository
    rows = {args.student: (args.student, ())}
    for config in args.distill:
        rows[config] = (config, ())
        if args.diagnostics_period > 0:
            override = f"model.diagnostics_period={args.diagnostics_period}"
            rows[f"{config} {override}"] = (config, (override,))
    baselines = {}
    for variant in args.variant:
        for config in (args.student, args.distill[0]):
            label = f"{config} [{variant}]"
            rows[label] = (config, (variant,))
            baselines[label] = config
    trainers = {label: build_trainer(config, overrides) for label, (config, overrides) in rows.items()}
    for trainer in trainers.values():
        time_steps(trainer, args.warmup)  # warm-up: first-step allocations and kernel selection
    times = {label: [] for label in trainers}
    for _ in range(args.rounds):
        for label, trainer in trainers.items():
            times[label].append(time_steps(trainer, args.steps))
    base = statistics.median(times[args.student])
    first = statistics.median(times[args.distill[0]])
    table = [[label, f"{statistics.median(t):.3f}", f"{statistics.median(t) / base:.2f}",
              "" if label == args.student else f"{statistics.median(t) / first:.3f}"] for label, t in times.items()]
    headers = ["config", "s / iteration (median of rounds)", "ratio to student", f"ratio to {args.distill[0]}"]
    if baselines:
        headers.append("speed-up of the variant")
        for row, label in zip(table, times):
            own = baselines.get(label)
            row.append(f"{statistics.median(times[own]) / statistics.median(times[label]):.2f}x" if own else "")
    print(tabulate(table, headers=headers, tablefmt="github"))
    device = next(next(iter(trainers.values())).model.parameters()).device
    print(f"{args.rounds} rounds x {args.steps} steps per config, interleaved, device {device}, "
          f"{torch.get_num_threads()} threads")
    if save:
        atomic_write_json(save, {
            "student": args.student, "rounds": args.rounds, "steps": args.steps, "device": str(device),
            "threads": torch.get_num_threads(),
            "seconds_per_iter": {label: statistics.median(t) for label, t in times.items()}})
        print(f"wrote {save}")
    if args.breakdown:
        for label, trainer in trainers.items():
            if label != args.student and label not in baselines:
                print_breakdown(label, base, trainer, args.steps)

if __name__ == "__main__":
    main()
