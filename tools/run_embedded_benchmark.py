#!/usr/bin/env python
"""The main job on the embedded shapes benchmark: generate the data, take the shipped teacher (training it
only when its checkpoint is missing), train the ResNet-18 student, evaluate both, print their AP/AP50.

    python tools/run_embedded_benchmark.py [--output-dir output/benchmark]
"""
import argparse
import json
import os
import subprocess
import sys
import time

from tabulate import tabulate

from adakd.data.shapes import ensure_shapes
from adakd.utils.export import sha256_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = "projects/AdaptiveKD/configs"
TEACHER_ENTRY = "shapes_retinanet_r101_teacher"


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    start = time.time()
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.time() - start


def train_net(config, output_dir, flags=(), opts=()):
    """Runs tools/lazyconfig_train_net.py (flags such as --eval-only, then key=value overrides)."""
    results = os.path.join(ROOT, output_dir, "eval_results.json")
    if os.path.exists(results):
        os.remove(results)  # never report a previous run's numbers
    seconds = run([sys.executable, "tools/lazyconfig_train_net.py", "--config-file", f"{CONFIGS}/{config}",
                   *flags, f"train.output_dir={output_dir}", *opts])
    with open(results) as f:
        return json.load(f)["bbox"], seconds


def shipped_teacher():
    """Returns the verified teacher checkpoint path, training the teacher first when it is missing."""
    with open(os.path.join(ROOT, "model_zoo", "manifest.json")) as f:
        entry = {e["name"]: e for e in json.load(f)["entries"]}[TEACHER_ENTRY]
    path = os.path.join(ROOT, entry["checkpoint"])
    if not os.path.exists(path):
        print(f"{entry['checkpoint']} is missing: training the teacher (about 45 minutes on 2 cores).")
        run([sys.executable, "tools/train_shapes_teacher.py"])
        with open(os.path.join(ROOT, "model_zoo", "manifest.json")) as f:
            entry = {e["name"]: e for e in json.load(f)["entries"]}[TEACHER_ENTRY]
    actual = sha256_of(path)
    if actual != entry["sha256"]:
        raise SystemExit(
            f"Teacher checkpoint {entry['checkpoint']} does not match model_zoo/manifest.json: "
            f"sha256 {actual}, expected {entry['sha256']}. Delete it to retrain, or restore it with git."
        )
    return entry["checkpoint"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/benchmark")
    args = parser.parse_args()
    start = time.time()

    print("Dataset:", ensure_shapes(), flush=True)
    teacher_checkpoint = shipped_teacher()
    student, student_seconds = train_net("shapes_student.py", f"{args.output_dir}/student")
    teacher, _ = train_net("shapes_teacher.py", f"{args.output_dir}/teacher", flags=["--eval-only"],
                           opts=[f"train.init_checkpoint={teacher_checkpoint}"])

    rows = [
        ["student  R18 RetinaNet (shapes_student.py)", f"{student['AP']:.1f}", f"{student['AP50']:.1f}",
         f"trained here, {student_seconds / 60:.1f} min"],
        ["teacher  R101 RetinaNet (shapes_teacher.py)", f"{teacher['AP']:.1f}", f"{teacher['AP50']:.1f}",
         f"shipped {teacher_checkpoint}"],
    ]
    print()
    print(tabulate(rows, headers=["model", "AP", "AP50", "weights"], tablefmt="github"))
    print(f"\nshapes_val, COCO-style bbox AP; whole job {(time.time() - start) / 60:.1f} min.")


if __name__ == "__main__":
    main()
