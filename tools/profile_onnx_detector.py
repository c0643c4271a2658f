#!/usr/bin/env python
"""Where an exported detector's onnxruntime time goes, student against teacher (README, "Deploy"): node counts
by operator, kernel time by operator from onnxruntime's profiler, and the latency of the file as exported
(dynamic height / width), with the input size fixed at session creation, and simplified by onnx-simplifier (only
when ``onnxsim`` is installed; it is not a dependency).

    python tools/export_model.py --zoo shapes_gfl_r18_adaptive --format onnx --output /tmp/ex_s
    python tools/export_model.py --zoo shapes_gfl_r101_teacher --format onnx --output /tmp/ex_t
    python tools/profile_onnx_detector.py --student /tmp/ex_s/model.onnx --teacher /tmp/ex_t/model.onnx

Run it with nothing else on the machine: the latencies are medians of ``--runs`` runs after 20 warm-up runs.
"""
import argparse
import collections
import json
import os
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort


def session(path, threads, size=None, profile_prefix=None):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if size:
        options.add_free_dimension_override_by_name("height", size)
        options.add_free_dimension_override_by_name("width", size)
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def kernel_time_by_operator(path, image, runs):
    """(µs per run by operator type, µs per run in all) from onnxruntime's profiler, one thread."""
    with tempfile.TemporaryDirectory() as folder:
        sess = session(path, 1, profile_prefix=os.path.join(folder, "profile"))
        for _ in range(runs):
            sess.run(None, {"image": image})
        with open(sess.end_profiling()) as f:
            events = json.load(f)
    by_type = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            by_type[event["args"]["op_name"]] += event["dur"] / runs
    return by_type, sum(by_type.values())


def median_ms(sess, image, runs):
    for _ in range(20):
        sess.run(None, {"image": image})
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        sess.run(None, {"image": image})
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", required=True, help="the student's model.onnx")
    parser.add_argument("--teacher", required=True, help="the teacher's model.onnx")
    parser.add_argument("--size", type=int, default=128, help="square input size (the benchmark's: 128)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for path in (args.student, args.teacher):
        if not os.path.isfile(path):
            parser.error(f"{path} does not exist (write it with tools/export_model.py --format onnx)")
    image = (np.random.RandomState(0).rand(3, args.size, args.size) * 255).astype(np.float32)
    files = {"student": args.student, "teacher": args.teacher}

    for name, path in files.items():
        nodes = collections.Counter(n.op_type for n in onnx.load(path).graph.node)
        by_type, total = kernel_time_by_operator(path, image, 30)
        top = ", ".join(f"{op} {100 * t / total:.1f} %" for op, t in by_type.most_common(6))
        print(f"{name}: {sum(nodes.values())} nodes ({', '.join(f'{op} {n}' for op, n in nodes.most_common(5))}); "
              f"kernel time {total / 1000:.2f} ms per run on 1 thread: {top}")

    variants = {"as exported (dynamic size)": (files, None), f"size fixed at {args.size}": (files, args.size)}
    try:
        import onnxsim

        simplified = {}
        folder = tempfile.mkdtemp()
        for name, path in files.items():
            model, ok = onnxsim.simplify(onnx.load(path), overwrite_input_shapes={"image": [3, args.size, args.size]})
            if ok:
                simplified[name] = os.path.join(folder, f"{name}.onnx")
                onnx.save(model, simplified[name])
        if len(simplified) == 2:
            variants["onnx-simplifier"] = (simplified, None)
    except ImportError:
        print("onnxsim is not installed: the onnx-simplifier variant is left out")
    for label, (paths, size) in variants.items():
        ms = {name: median_ms(session(path, args.threads, size), image, args.runs) for name, path in paths.items()}
        print(f"{label}: student {ms['student']:.2f} ms, teacher {ms['teacher']:.2f} ms, "
              f"ratio {ms['teacher'] / ms['student']:.2f}x")


if __name__ == "__main__":
    main()
