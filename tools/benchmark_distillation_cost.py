#!/usr/bin/env python
"""Wall time per training iteration of a distillation config relative to its plain student config, both
measured in this one process: same data loader settings, same batches, interleaved rounds so that machine
noise hits both alike. Each measured step is a full detectron2 SimpleTrainer step (forward of student and,
for distillation, teacher; backward; optimizer step).

    python tools/benchmark_distillation_cost.py                       # shapes detection (GFL)
    python tools/benchmark_distillation_cost.py --student shapes_sem_seg_student.py \\
        --distill shapes_sem_seg_adaptive.py                          # shapes segmentation
"""
import argparse
import os
import statistics
import time

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.engine import SimpleTrainer
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage
from tabulate import tabulate

from adakd.engine.lazy_train import resolve_device

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects", "AdaptiveKD", "configs")


def build_trainer(config):
    cfg = LazyConfig.load(os.path.join(CONFIGS, config))
    resolve_device(cfg)
    seed_all_rng(0)
    model = instantiate(cfg.model).to(cfg.train.device)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", default="shapes_student.py")
    parser.add_argument("--distill", default="shapes_adaptive.py")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per config per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.chdir(ROOT)  # configs name shipped checkpoints relative to the repository
    trainers = {name: build_trainer(name) for name in (args.student, args.distill)}
    for trainer in trainers.values():
        time_steps(trainer, 3)  # warm-up: first-step allocations and kernel selection
    times = {name: [] for name in trainers}
    for _ in range(args.rounds):
        for name, trainer in trainers.items():
            times[name].append(time_steps(trainer, args.steps))
    base = statistics.median(times[args.student])
    rows = [[name, f"{statistics.median(t):.3f}", f"{statistics.median(t) / base:.2f}"] for name, t in times.items()]
    print(tabulate(rows, headers=["config", "s / iteration (median of rounds)", "ratio to student"], tablefmt="github"))
    device = next(next(iter(trainers.values())).model.parameters()).device
    print(f"{args.rounds} rounds x {args.steps} steps per config, device {device}, {torch.get_num_threads()} threads")


if __name__ == "__main__":
    main()
