#!/usr/bin/env python
"""Inference speed of the shipped shapes students next to their teachers, in PyTorch eager, TorchScript and
onnxruntime, all measured in this one process on one image (batch 1) with the same thread count (default 2:
torch.set_num_threads and onnxruntime's intra-op threads).

    python tools/benchmark_deploy.py                                # detection, segmentation, classification
    python tools/benchmark_deploy.py --tasks detection --runs 200 --markdown output/deploy_speed.md

Per model: parameters, GFLOPs (fvcore's FlopCountAnalysis on the eager model's traced inference, one fused
multiply-add counted as one flop, as fvcore and detectron2 count), the sizes of the exported files, and the median
latency in ms of ``--runs`` calls after ``--warmup`` calls, per runtime. Eager is the detectron2 model called on
``[{"image": image}]``; TorchScript and onnxruntime are the files tools/export_model.py writes, called on the
image tensor (adakd.deploy.ExportedModel.run). The last column is the student's speed-up over its teacher in
onnxruntime. The image is the first of the config's test set. Measure on an otherwise idle machine.
"""
import argparse
import os
import platform
import statistics
import tempfile
import time

import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog
from fvcore.nn import FlopCountAnalysis

from adakd import model_zoo
from adakd.deploy import ExportedModel, build_deployable, export_model
from adakd.deploy.deployable import run_traceable
from adakd.utils.atomic_write import atomic_open

# (task, student zoo entry, teacher zoo entry)
PAIRS = {
    "detection": ("shapes_gfl_r18_adaptive", "shapes_gfl_r101_teacher"),
    "segmentation": ("shapes_semantic_fpn_r18_adaptive", "shapes_semantic_fpn_r101_teacher"),
    "classification": ("shapes_cls_r18_adaptive", "shapes_cls_r34_teacher"),
}
DETECTOR_GOAL = 2.5  # the shipped detector student should run this many times faster than its teacher (ONNX)


def median_ms(call, runs, warmup):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def first_test_image(cfg):
    names = cfg.dataloader.test.dataset.names
    record = DatasetCatalog.get(names if isinstance(names, str) else names[0])[0]
    return instantiate(cfg.dataloader.test.mapper)(record)["image"].float()


def gflops(task, model, image):
    from detectron2.export import TracingAdapter

    adapter = TracingAdapter(model, image, inference_func=lambda m, x: run_traceable(task, m, x)).eval()
    analysis = FlopCountAnalysis(adapter, adapter.flattened_inputs)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analysis.total() / 1e9


def measure(entry, folder, runs, warmup, threads):
    """One row: the zoo entry's model measured in the three runtimes."""
    cfg = model_zoo.get_config(entry)
    task, model = build_deployable(cfg.model, model_zoo.get_checkpoint(entry))
    image = first_test_image(cfg)
    row = {"entry": entry, "task": task, "params": sum(p.numel() for p in model.parameters()),
           "gflops": gflops(task, model, image)}
    with torch.no_grad():
        row["eager"] = median_ms(lambda: model([{"image": image}]), runs, warmup)
    for fmt in ("torchscript", "onnx"):
        path = export_model(model, image, fmt, os.path.join(folder, entry))
        exported = ExportedModel(path, num_threads=threads)
        row[f"{fmt}_mb"] = os.path.getsize(path) / 1e6
        row[fmt] = median_ms(lambda: exported.run(image), runs, warmup)
    row["size"] = "×".join(map(str, image.shape))
    return row


def table(rows, pairs, args):
    lines = [
        "| model | task | input | params (M) | GFLOPs | eager (ms) | TorchScript (ms) | onnxruntime (ms) "
        "| .ts (MB) | .onnx (MB) | student speed-up (onnxruntime) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_entry = {r["entry"]: r for r in rows}
    for student, teacher in pairs:
        for entry in (student, teacher):
            r = by_entry[entry]
            ratio = f"{by_entry[teacher]['onnx'] / r['onnx']:.2f}×" if entry == student else "–"
            lines.append(f"| `{entry}` | {r['task']} | {r['size']} | {r['params'] / 1e6:.2f} | {r['gflops']:.3f} "
                         f"| {r['eager']:.2f} | {r['torchscript']:.2f} | {r['onnx']:.2f} | {r['torchscript_mb']:.2f} "
                         f"| {r['onnx_mb']:.2f} | {ratio} |")
    import onnxruntime

    lines += ["", f"Median of {args.runs} runs after {args.warmup} warm-up runs, batch 1, {args.threads} threads; "
              f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible; "
              f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=sorted(PAIRS), default=list(PAIRS))
    parser.add_argument("--runs", type=int, default=100,
                        help="timed runs per model and runtime (≥ 50 for the README)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--runs and --threads must be at least 1, --warmup at least 0")
    torch.set_num_threads(args.threads)
    pairs = [PAIRS[t] for t in args.tasks]
    rows = []
    with tempfile.TemporaryDirectory(prefix="benchmark_deploy.") as folder:
        for student, teacher in pairs:
            for entry in (student, teacher):
                rows.append(measure(entry, folder, args.runs, args.warmup, args.threads))
                r = rows[-1]
                print(f"{entry}: eager {r['eager']:.2f} ms, TorchScript {r['torchscript']:.2f} ms, "
                      f"onnxruntime {r['onnx']:.2f} ms", flush=True)
    text = table(rows, pairs, args)
    print(text)
    if "detection" in args.tasks:
        student, teacher = PAIRS["detection"]
        speedup = next(r for r in rows if r["entry"] == teacher)["onnx"] / next(
            r for r in rows if r["entry"] == student)["onnx"]
        print(f"detector student vs teacher in onnxruntime: {speedup:.2f}× faster "
              f"(goal ≥ {DETECTOR_GOAL}×: {'met' if speedup >= DETECTOR_GOAL else 'not met'})")
    if args.markdown:
        with atomic_open(args.markdown) as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
