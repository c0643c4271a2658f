#!/usr/bin/env python
"""Training samples/s of a config with 1, 2, ... data-parallel processes (``--num-gpus N``; gloo on the CPU), the
same global batch in every run. Each run is a real ``tools/lazyconfig_train_net.py`` training; its speed is
detectron2's own "Overall training speed" (IterationTimer: seconds per iteration after the first warm-up
iterations), read from the run's log.txt. On a CPU the cores are shared: by default every run gets
``--threads`` threads in total (OMP_NUM_THREADS = threads / processes per process).

    python tools/benchmark_ddp_scaling.py                                  # shapes_adaptive.py, 1 and 2 processes
    python tools/benchmark_ddp_scaling.py --config shapes_student.py --processes 1 2 4 --iterations 60
    python tools/benchmark_ddp_scaling.py --device cuda --processes 1 2   # on a machine with 2 GPUs

Run it on an otherwise idle machine: other jobs on the cores make the numbers meaningless.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

from tabulate import tabulate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = os.path.join(ROOT, "projects", "AdaptiveKD", "configs")
SPEED = re.compile(r"Overall training speed: (\d+) iterations in \S+ \(([\d.]+) s / it\)")


def seconds_per_iteration(log_file):
    with open(log_file) as f:
        matches = SPEED.findall(f.read())
    if not matches:
        raise RuntimeError(f"{log_file} has no 'Overall training speed' line: did the run finish?")
    return float(matches[-1][1])


def measure(config, processes, args, output_dir):
    env = dict(os.environ)
    if args.device == "cpu":
        env["OMP_NUM_THREADS"] = str(max(1, args.threads // processes))
    command = [
        sys.executable, os.path.join(ROOT, "tools", "lazyconfig_train_net.py"), "--config-file",
        os.path.join(CONFIGS, config), "--num-gpus", str(processes), f"train.max_iter={args.iterations}",
        f"train.device={args.device}", f"dataloader.train.total_batch_size={args.batch}",
        f"dataloader.train.num_workers={args.workers}", f"train.checkpointer.period={args.iterations * 10}",
        f"train.output_dir={output_dir}", *args.opts,
    ]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return seconds_per_iteration(os.path.join(output_dir, "log.txt"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="shapes_adaptive.py", help="a config in projects/AdaptiveKD/configs")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--batch", type=int, default=8, help="global batch, the same in every run")
    parser.add_argument("--workers", type=int, default=1, help="data-loading workers per process")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads per run, all processes")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("opts", nargs="*", help="further key=value overrides")
    args = parser.parse_args()

    rows, base = [], None
    with tempfile.TemporaryDirectory(prefix="ddp_scaling_") as scratch:
        for n in args.processes:
            s_per_it = measure(args.config, n, args, os.path.join(scratch, f"processes{n}"))
            samples_per_s = args.batch / s_per_it
            base = base or samples_per_s
            rows.append([n, f"{s_per_it:.3f}", f"{samples_per_s:.1f}", f"{samples_per_s / base:.2f}x"])
    print(f"\n{args.config}, global batch {args.batch}, {args.iterations} iterations, device {args.device}"
          + (f", {args.threads} threads per run" if args.device == "cpu" else ""))
    print(tabulate(rows, headers=["processes", "s / iteration", "samples / s", f"vs {args.processes[0]}"],
                   tablefmt="pipe"))


if __name__ == "__main__":
    main()
