#!/usr/bin/env python
"""Trains the shapes teacher (depth-101 RetinaNet), exports it to model_zoo/ in fp16, and records its
sha256, size and the AP that ``--eval-only`` reproduces on the exported file in model_zoo/manifest.json.

    python tools/train_shapes_teacher.py            # ~45 min on 2 CPU cores
    python tools/train_shapes_teacher.py --skip-train --output-dir output/shapes_teacher  # export only

Extra ``key=value`` arguments are passed to the training run as overrides.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from adakd.utils.atomic_write import atomic_write_json
from adakd.utils.export import export_weights

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = "projects/AdaptiveKD/configs/shapes_teacher.py"
ENTRY = "shapes_retinanet_r101_teacher"
CHECKPOINT = f"model_zoo/checkpoints/{ENTRY}.pth"
MANIFEST = "model_zoo/manifest.json"


def run_net(*args):
    cmd = [sys.executable, "tools/lazyconfig_train_net.py", "--config-file", CONFIG, *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def update_manifest(entry):
    path = os.path.join(ROOT, MANIFEST)
    manifest = {"entries": []}
    if os.path.exists(path):
        with open(path) as f:
            manifest = json.load(f)
    manifest["entries"] = [e for e in manifest["entries"] if e["name"] != entry["name"]] + [entry]
    atomic_write_json(path, manifest)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", default="output/shapes_teacher")
    parser.add_argument("--skip-train", action="store_true", help="export an already trained run")
    parser.add_argument("opts", nargs="*", help="key=value overrides for training")
    args = parser.parse_args()

    start = time.time()
    if not args.skip_train:
        run_net(f"train.output_dir={args.output_dir}", *args.opts)
    train_minutes = (time.time() - start) / 60

    sha256, size = export_weights(os.path.join(ROOT, args.output_dir, "model_final.pth"), os.path.join(ROOT, CHECKPOINT))
    eval_dir = os.path.join(args.output_dir, "eval_exported")
    run_net("--eval-only", f"train.init_checkpoint={CHECKPOINT}", f"train.output_dir={eval_dir}")
    with open(os.path.join(ROOT, eval_dir, "eval_results.json")) as f:
        bbox = json.load(f)["bbox"]
    entry = {
        "name": ENTRY,
        "task": "detection",
        "dataset": "shapes",
        "config": CONFIG,
        "teacher": None,
        "distillation": None,
        "checkpoint": CHECKPOINT,
        "sha256": sha256,
        "size_bytes": size,
        "status": "trained",
        "metrics": {"bbox/AP": round(bbox["AP"], 2), "bbox/AP50": round(bbox["AP50"], 2)},
        "metrics_command": f"tools/lazyconfig_train_net.py --config-file {CONFIG} --eval-only "
        f"train.init_checkpoint={CHECKPOINT}",
        "train_command": "python tools/train_shapes_teacher.py",
    }
    if not args.skip_train:
        entry["train_minutes_2cpu"] = round(train_minutes, 1)
    update_manifest(entry)
    print(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
