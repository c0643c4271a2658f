#!/usr/bin/env python
"""Tables 2 and 3 (and Figure 2) on the embedded classification benchmark (shapes_cls, 32x32, six classes):
the shipped teacher (quarter-width ResNet-34) and student (eighth-width ResNet-18) are evaluated (and trained
first only when their checkpoints are missing); each requested distillation row is trained here from the
shipped teacher; top-1 error and top-1 agreement error (student vs teacher) are printed side by side.

    python tools/run_classification_benchmark.py                          # Adaptive AT + ST (~10 min)
    python tools/run_classification_benchmark.py --rows hand_tuned equal adaptive_layerwise
    python tools/run_classification_benchmark.py --all                    # every row (hours on 2 cores)

Rows are the suffixes of projects/AdaptiveKD/configs/shapes_cls_<row>.py.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

from detectron2.config import LazyConfig
from tabulate import tabulate

from adakd.data import ensure_shapes_classification
from adakd.utils.export import learned_path_weights
from run_embedded_benchmark import shipped  # the verified zoo checkpoint, trained first when missing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = "projects/AdaptiveKD/configs"
TEACHER_ENTRY, STUDENT_ENTRY = "shapes_cls_r34_teacher", "shapes_cls_r18_student"


def available_rows():
    files = glob.glob(os.path.join(ROOT, CONFIGS, "shapes_cls_*.py"))
    names = [os.path.basename(p)[len("shapes_cls_"):-3] for p in files]
    return sorted(n for n in names if n not in ("student", "teacher"))


def train_net(config, output_dir, *opts, eval_only=False):
    """Runs tools/lazyconfig_train_net.py (key=value ``opts``); returns the run's classification results."""
    results = os.path.join(ROOT, output_dir, "eval_results.json")
    if os.path.exists(results):
        os.remove(results)  # never report a previous run's numbers
    cmd = [sys.executable, "tools/lazyconfig_train_net.py", "--config-file", f"{CONFIGS}/{config}",
           *(["--eval-only"] if eval_only else []), f"train.output_dir={output_dir}", *opts]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    with open(results) as f:
        return json.load(f)["classification"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=["adaptive"], help="rows to train (default: adaptive)")
    parser.add_argument("--all", action="store_true", help="train every distillation row")
    parser.add_argument("--output-dir", default="output/classification_benchmark")
    args = parser.parse_args()
    rows = available_rows() if args.all else args.rows
    unknown = [r for r in rows if r not in available_rows()]
    if unknown:
        parser.error(f"unknown rows {unknown}; available: {', '.join(available_rows())}")
    start = time.time()

    print("Dataset:", ensure_shapes_classification(), flush=True)
    teacher_checkpoint, student_checkpoint = shipped(TEACHER_ENTRY), shipped(STUDENT_ENTRY)
    against_teacher = [f"dataloader.evaluator.teacher_config={CONFIGS}/shapes_cls_teacher.py",
                       f"dataloader.evaluator.teacher_weights={teacher_checkpoint}"]
    table = []
    teacher = train_net("shapes_cls_teacher.py", f"{args.output_dir}/teacher",
                        f"train.init_checkpoint={teacher_checkpoint}", eval_only=True)
    student = train_net("shapes_cls_student.py", f"{args.output_dir}/student",
                        f"train.init_checkpoint={student_checkpoint}", *against_teacher, eval_only=True)
    table.append(["student (shipped)", "-", f"{student['top1_err']:.2f}", f"{student['top1_agreement_err']:.2f}", ""])
    for row in rows:
        config = f"shapes_cls_{row}.py"
        model = LazyConfig.load(os.path.join(ROOT, CONFIGS, config)).model
        paths = [p.name for p in model.paths]
        results = train_net(config, f"{args.output_dir}/{row}")
        weights = learned_path_weights(os.path.join(ROOT, args.output_dir, row, "model_final.pth"), paths)
        table.append([row, f"{model.aggregator.method}: {' + '.join(paths)}", f"{results['top1_err']:.2f}",
                      f"{results['top1_agreement_err']:.2f}",
                      ", ".join(f"{k} {v:.3g}" for k, v in (weights or {}).items())])
    table.append(["teacher (shipped)", "-", f"{teacher['top1_err']:.2f}", "-", ""])
    print()
    print(tabulate(table, headers=["row", "aggregation: paths", "top1 err (%)", "top1 agr err (%)",
                                   "learned v = e^-z"], tablefmt="github", disable_numparse=True))
    print(f"\nshapes_cls_val (2000 images); whole job {(time.time() - start) / 60:.1f} min.")


if __name__ == "__main__":
    main()
