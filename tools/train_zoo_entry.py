#!/usr/bin/env python
"""Trains a model zoo entry of the embedded benchmark, exports it (fp16 weights; a distilled run exports its
student alone), evaluates the exported file with ``--eval-only`` in the entry's plain config, and records
checkpoint, sha256, size and metrics in model_zoo/manifest.json (and the README's table).

    python tools/train_zoo_entry.py shapes_gfl_r18_student           # ~4 min on 2 CPU cores
    python tools/train_zoo_entry.py shapes_gfl_r18_adaptive          # needs the shipped teacher
    python tools/train_zoo_entry.py shapes_gfl_r101_teacher          # ~15 min
    python tools/train_zoo_entry.py shapes_cls_r34_teacher           # classification: teacher, then
    python tools/train_zoo_entry.py shapes_cls_r18_student           # student and adaptive (both are also
    python tools/train_zoo_entry.py shapes_cls_r18_adaptive          # measured against the shipped teacher)
    python tools/train_zoo_entry.py shapes_pretrain_r18              # ImageNet stand-in backbones (16 and
    python tools/train_zoo_entry.py shapes_pretrain_r101             # ~46 min)
    python tools/train_zoo_entry.py NAME --skip-train                # export + evaluate output/zoo/NAME
    python tools/train_zoo_entry.py NAME --reevaluate                # only re-measure the shipped file

A run of the benchmark runner with the entry's training config and seed 0 can be shipped instead of training
again (the manifest then records both commands and the run's own training time):

    python tools/train_zoo_entry.py shapes_gfl_r18_adaptive --skip-train \
        --output-dir output/benchmark/det/adaptive/seed0 \
        --trained-by "python tools/run_benchmark.py --task det --rows adaptive --seeds 0" --train-minutes 9.1

Extra ``key=value`` arguments are passed to the training run as overrides.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from detectron2.config import LazyConfig

from adakd.benchmarks import get_task
from adakd.checkpoint.atomic_checkpointer import student_checkpoint_path
from adakd.model_zoo.readme_table import replace_table
from adakd.utils.atomic_write import atomic_open, atomic_write_json
from adakd.utils.export import export_pretrained_backbone, export_weights, learned_path_weights, sha256_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = "projects/AdaptiveKD/configs"
MANIFEST = "model_zoo/manifest.json"

# name: (task, dataset, training config, plain config that evaluates the exported weights, teacher entry)
RECIPES = {
    # ImageNet stand-in backbones: the classifier's weights under the ResNet's names, with matching heuristics.
    "shapes_pretrain_r18": ("pretraining", "shapes_pretrain", "shapes_pretrain_r18.py", "shapes_pretrain_r18.py", None),
    "shapes_pretrain_r101": (
        "pretraining", "shapes_pretrain", "shapes_pretrain_r101.py", "shapes_pretrain_r101.py", None
    ),
    "shapes_gfl_r101_teacher": ("detection", "shapes", "shapes_teacher.py", "shapes_teacher.py", None),
    "shapes_gfl_r18_student": ("detection", "shapes", "shapes_student.py", "shapes_student.py", None),
    "shapes_gfl_r18_adaptive": (
        "detection", "shapes", "shapes_adaptive.py", "shapes_student.py", "shapes_gfl_r101_teacher"
    ),
    "shapes_semantic_fpn_r101_teacher": (
        "semantic_segmentation", "shapes", "shapes_sem_seg_teacher.py", "shapes_sem_seg_teacher.py", None
    ),
    "shapes_semantic_fpn_r18_student": (
        "semantic_segmentation", "shapes", "shapes_sem_seg_student.py", "shapes_sem_seg_student.py", None
    ),
    "shapes_semantic_fpn_r18_adaptive": (
        "semantic_segmentation", "shapes", "shapes_sem_seg_adaptive.py", "shapes_sem_seg_student.py",
        "shapes_semantic_fpn_r101_teacher",
    ),
    "shapes_cls_r34_teacher": ("classification", "shapes_cls", "shapes_cls_teacher.py", "shapes_cls_teacher.py", None),
    "shapes_cls_r18_student": ("classification", "shapes_cls", "shapes_cls_student.py", "shapes_cls_student.py", None),
    "shapes_cls_r18_adaptive": (
        "classification", "shapes_cls", "shapes_cls_adaptive.py", "shapes_cls_student.py", "shapes_cls_r34_teacher"
    ),
}
TASK_METRICS = {
    "detection": ("bbox", ["AP", "AP50"]),
    "semantic_segmentation": ("sem_seg", ["mIoU", "mACC"]),
    "classification": ("classification", ["top1_err"]),
    "pretraining": ("classification", ["top1_err"]),
}
# Students are also measured against the shipped teacher: top-1 agreement error (Stanton et al. 2021); the
# overrides (and the teacher's entry name) are the benchmark's, so that both measure the same way.
_AGAINST_SHAPES_CLS_TEACHER = list(get_task("cls").plain_student_opts)
EVAL_OPTS = {name: _AGAINST_SHAPES_CLS_TEACHER for name in ("shapes_cls_r18_student", "shapes_cls_r18_adaptive")}


def run_net(config, *args):
    cmd = [sys.executable, "tools/lazyconfig_train_net.py", "--config-file", f"{CONFIGS}/{config}", *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def read_manifest():
    with open(os.path.join(ROOT, MANIFEST)) as f:
        return json.load(f)


def update_manifest(entry):
    manifest = read_manifest()
    manifest["entries"] = [e for e in manifest["entries"] if e["name"] != entry["name"]] + [entry]
    manifest["entries"].sort(key=lambda e: e["name"])
    atomic_write_json(os.path.join(ROOT, MANIFEST), manifest)
    readme = os.path.join(ROOT, "README.md")
    with open(readme) as f:
        text = f.read()
    with atomic_open(readme, "w") as f:
        f.write(replace_table(text, manifest["entries"]))


def evaluate(eval_config, checkpoint, output_dir, task, eval_opts=()):
    results_file = os.path.join(ROOT, output_dir, "eval_results.json")
    if os.path.exists(results_file):
        os.remove(results_file)  # never record an earlier run's numbers
    run_net(eval_config, "--eval-only", f"train.init_checkpoint={checkpoint}", f"train.output_dir={output_dir}",
            *eval_opts)
    with open(results_file) as f:
        results = json.load(f)
    key, names = TASK_METRICS[task]
    names = names + (["top1_agreement_err", "teacher_top1_err"] if "top1_agreement_err" in results.get(key, {}) else [])
    return {f"{key}/{n}": round(results[key][n], 4) for n in names}


def distillation_info(train_config, final_checkpoint):
    """Method, paths and (for adaptive runs) the learned path weights of a distillation config."""
    model = LazyConfig.load(os.path.join(ROOT, CONFIGS, train_config)).model
    if "paths" not in model:
        return None
    paths = [p.name for p in model.paths]
    info = {"config": f"{CONFIGS}/{train_config}", "method": model.aggregator.method, "paths": paths}
    if final_checkpoint and os.path.exists(final_checkpoint):
        learned = learned_path_weights(final_checkpoint, paths)
        if learned:
            info["learned_path_weights"] = {k: round(v, 4) for k, v in learned.items()}
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--output-dir", help="training output (default output/zoo/NAME)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--skip-train", action="store_true", help="export and evaluate an already trained run")
    mode.add_argument("--reevaluate", action="store_true", help="re-measure the shipped checkpoint only")
    parser.add_argument("--trained-by", help="with --skip-train: the command that trained --output-dir")
    parser.add_argument("--train-minutes", type=float, help="with --trained-by: how long that training took")
    parser.add_argument("opts", nargs="*", help="key=value overrides for training")
    args = parser.parse_args()
    if args.trained_by and not (args.skip_train and args.output_dir):
        parser.error("--trained-by names how --output-dir was trained: it needs --skip-train and --output-dir")

    task, dataset, train_config, eval_config, teacher = RECIPES[args.name]
    output_dir = args.output_dir or f"output/zoo/{args.name}"
    checkpoint = f"model_zoo/checkpoints/{args.name}.pth"
    previous = {e["name"]: e for e in read_manifest()["entries"]}.get(args.name, {})
    entry = dict(previous)

    if not args.reevaluate:
        start = time.time()
        if not args.skip_train:
            run_net(train_config, f"train.output_dir={output_dir}", *args.opts)
            entry["train_minutes_2cpu"] = round((time.time() - start) / 60, 1)
        elif args.trained_by:
            entry["train_minutes_2cpu"] = args.train_minutes
        final = os.path.join(ROOT, output_dir, "model_final.pth")
        distillation = distillation_info(train_config, final)
        # A distillation run's student alone: the file its checkpointer wrote next to model_final.pth (runs
        # older than that file: the "student." weights of model_final.pth, the same tensors).
        student = student_checkpoint_path(final)
        if task == "pretraining":
            sha256, size = export_pretrained_backbone(final, os.path.join(ROOT, checkpoint))
        elif distillation and os.path.exists(student):
            sha256, size = export_weights(student, os.path.join(ROOT, checkpoint))
        else:
            sha256, size = export_weights(final, os.path.join(ROOT, checkpoint), prefix="student." if distillation else "")
        entry.update(distillation=distillation, sha256=sha256, size_bytes=size)
    elif not os.path.exists(os.path.join(ROOT, checkpoint)):
        raise SystemExit(f"{checkpoint} does not exist: train {args.name} first")
    else:
        entry["sha256"], entry["size_bytes"] = sha256_of(os.path.join(ROOT, checkpoint)), os.path.getsize(os.path.join(ROOT, checkpoint))

    eval_opts = EVAL_OPTS.get(args.name, [])
    metrics = evaluate(eval_config, checkpoint, os.path.join(output_dir, "eval_exported"), task, eval_opts)
    entry.update(
        name=args.name,
        task=task,
        dataset=dataset,
        config=f"{CONFIGS}/{eval_config}",
        teacher=teacher,
        checkpoint=checkpoint,
        status="trained",
        metrics=metrics,
        metrics_command=f"tools/lazyconfig_train_net.py --config-file {CONFIGS}/{eval_config} --eval-only "
        f"train.init_checkpoint={checkpoint}" + "".join(f" {o}" for o in eval_opts),
        train_command=f"{args.trained_by} && python tools/train_zoo_entry.py {args.name} --skip-train --output-dir "
        f"{output_dir}" if args.trained_by else f"python tools/train_zoo_entry.py {args.name}",
    )
    entry.setdefault("distillation", None)
    update_manifest(dict(sorted(entry.items())))
    print(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
