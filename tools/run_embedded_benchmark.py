#!/usr/bin/env python
"""The main job on the embedded shapes benchmark: generate the data, check the shipped teacher and student
(training them only when their checkpoints are missing), train the student by adaptive distillation
(shapes_adaptive.py: Feats_P + Box, v = e^-z learned), evaluate all three, and print their AP/AP50 side by
side with the learned path weights.

    python tools/run_embedded_benchmark.py [--output-dir output/benchmark] [--train-student]

--train-student also trains the plain student here (instead of evaluating the shipped one) and prints the
wall time per iteration of distillation relative to training the student alone.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from detectron2.config import LazyConfig
from tabulate import tabulate

from adakd.data.shapes import ensure_shapes
from adakd import model_zoo
from adakd.utils.export import learned_path_weights

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = "projects/AdaptiveKD/configs"
TEACHER_ENTRY = "shapes_gfl_r101_teacher"
STUDENT_ENTRY = "shapes_gfl_r18_student"


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    start = time.time()
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.time() - start


def train_net(config, output_dir, flags=(), opts=()):
    """Runs tools/lazyconfig_train_net.py (flags such as --eval-only, then key=value overrides); returns the
    bbox results and the mean seconds per training iteration (None for --eval-only)."""
    results = os.path.join(ROOT, output_dir, "eval_results.json")
    metrics = os.path.join(ROOT, output_dir, "metrics.json")
    for stale in (results, metrics):
        if os.path.exists(stale):
            os.remove(stale)  # never report a previous run's numbers
    run([sys.executable, "tools/lazyconfig_train_net.py", "--config-file", f"{CONFIGS}/{config}", *flags,
         f"train.output_dir={output_dir}", *opts])
    with open(results) as f:
        bbox = json.load(f)["bbox"]
    seconds_per_iter = None
    if os.path.exists(metrics):
        with open(metrics) as f:
            times = [r["time"] for r in map(json.loads, f) if "time" in r]
        seconds_per_iter = sum(times) / len(times) if times else None
    return bbox, seconds_per_iter


def shipped(name):
    """Returns the sha256-verified checkpoint of zoo entry ``name`` (as ``model_zoo.get_checkpoint``),
    training the entry first when its file is missing."""
    entry = model_zoo.get_entry(name)
    if not os.path.exists(os.path.join(ROOT, entry["checkpoint"])):
        print(f"{entry['checkpoint']} is missing: training it ({entry.get('train_minutes_2cpu', '?')} min "
              "on 2 cores when it was shipped).")
        run([sys.executable, "tools/train_zoo_entry.py", name])
    model_zoo.get_checkpoint(name)  # raises ZooChecksumError naming the entry and both hashes
    return model_zoo.get_entry(name)["checkpoint"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/benchmark")
    parser.add_argument("--train-student", action="store_true", help="train the plain student here too")
    args = parser.parse_args()
    start = time.time()

    print("Dataset:", ensure_shapes(), flush=True)
    teacher_checkpoint = shipped(TEACHER_ENTRY)
    adaptive, adaptive_spi = train_net("shapes_adaptive.py", f"{args.output_dir}/adaptive")
    if args.train_student:
        student, student_spi = train_net("shapes_student.py", f"{args.output_dir}/student")
        student_source = "trained here"
    else:
        student_checkpoint = shipped(STUDENT_ENTRY)
        student, student_spi = train_net("shapes_student.py", f"{args.output_dir}/student", flags=["--eval-only"],
                                         opts=[f"train.init_checkpoint={student_checkpoint}"])
        student_source = f"shipped {student_checkpoint}"
    teacher, _ = train_net("shapes_teacher.py", f"{args.output_dir}/teacher", flags=["--eval-only"],
                           opts=[f"train.init_checkpoint={teacher_checkpoint}"])

    paths = [p.name for p in LazyConfig.load(os.path.join(ROOT, CONFIGS, "shapes_adaptive.py")).model.paths]
    weights = learned_path_weights(os.path.join(ROOT, args.output_dir, "adaptive", "model_final.pth"), paths)
    rows = [
        ["student   R18 GFL (shapes_student.py)", student, student_source],
        ["adaptive  R18 GFL (shapes_adaptive.py)", adaptive, f"trained here, {adaptive_spi:.3f} s/it"],
        ["teacher   R101 GFL (shapes_teacher.py)", teacher, f"shipped {teacher_checkpoint}"],
    ]
    if student_spi:
        rows[0][2] += f", {student_spi:.3f} s/it"
    print()
    print(tabulate([[name, f"{r['AP']:.2f}", f"{r['AP50']:.2f}", source] for name, r, source in rows],
                   headers=["model", "AP", "AP50", "weights"], tablefmt="github"))
    print("\nLearned path weights v = e^-z at the end of adaptive distillation: "
          + ", ".join(f"{name} {v:.3g}" for name, v in weights.items()))
    if student_spi:
        print(f"Wall time per iteration, distillation / student alone: {adaptive_spi / student_spi:.2f}")
    print(f"\nshapes_val, COCO-style bbox AP; whole job {(time.time() - start) / 60:.1f} min.")


if __name__ == "__main__":
    main()
