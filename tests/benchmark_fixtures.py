"""Hand-written benchmark result files (tools/run_benchmark.py's format) with numbers chosen so that every
statistic of the report can be worked out by hand; see the expectations in test_benchmark_report.py."""
import json
import os


def result(task, row, seed, metrics, path_weight_curve=None, seconds_per_iter=0.25):
    curve = path_weight_curve or {}
    return {
        "task": task,
        "row": row,
        "seed": seed,
        "config": f"projects/AdaptiveKD/configs/{row}.py",
        "fingerprint": "0" * 64,
        "metrics": metrics,
        "path_weights": {path: points[-1][1] for path, points in curve.items()},
        "path_weight_curve": curve,
        "seconds_per_iter": None if seed is None else seconds_per_iter,
        "iterations": 40,
        "git_commit": "f" * 40,
    }


def det_results():
    """student AP 50/52/54 (AP50 70/71/72); adaptive AP 53/51/58 (AP50 72/70/73); hand_tuned seeds 0 and 1 only,
    AP 55/49 (AP50 71/71); the shipped teacher AP 76 / AP50 92; the other rows not run."""
    student = [(50.0, 70.0), (52.0, 71.0), (54.0, 72.0)]
    adaptive = [(53.0, 72.0), (51.0, 70.0), (58.0, 73.0)]
    hand_tuned = [(55.0, 71.0), (49.0, 71.0)]
    # Adaptive path weights at iterations 19 and 39: feats_p ends at 1.2 / 1.4 / 1.6, box at 0.5 / 0.4 / 0.3.
    curves = [{"feats_p": [[19, 1.0], [39, 1.2 + 0.2 * s]], "box": [[19, 0.6], [39, 0.5 - 0.1 * s]]} for s in range(3)]
    results = [result("det", "student", s, {"bbox/AP": ap, "bbox/AP50": ap50}, seconds_per_iter=0.2)
               for s, (ap, ap50) in enumerate(student)]
    results += [result("det", "adaptive", s, {"bbox/AP": ap, "bbox/AP50": ap50}, curves[s], seconds_per_iter=0.4)
                for s, (ap, ap50) in enumerate(adaptive)]
    results += [result("det", "hand_tuned", s, {"bbox/AP": ap, "bbox/AP50": ap50},
                       {"feats_p": [[19, 1.0], [39, 1.0]], "box": [[19, 0.25], [39, 0.25]]})
                for s, (ap, ap50) in enumerate(hand_tuned)]
    results.append(result("det", "teacher", None, {"bbox/AP": 76.0, "bbox/AP50": 92.0}))
    return results


def det_extra_results():
    """An extra row (not one of the paper's): pcgrad, seeds 0 1 2, AP 52/56/57 (AP50 70/70/73), its path weights
    ending at feats_p 0.6 / 0.8 / 1.0 and box 1.5 / 1.4 / 1.3, 0.5 s per iteration."""
    metrics = [(52.0, 70.0), (56.0, 70.0), (57.0, 73.0)]
    curves = [{"feats_p": [[19, 1.0], [39, 0.6 + 0.2 * s]], "box": [[19, 1.0], [39, 1.5 - 0.1 * s]]} for s in range(3)]
    return [result("det", "pcgrad", s, {"bbox/AP": ap, "bbox/AP50": ap50}, curves[s], seconds_per_iter=0.5)
            for s, (ap, ap50) in enumerate(metrics)]


def cls_results():
    """Errors, lower is better: adaptive top-1 err 2.0 / 3.0, student 3.0 / 2.5 (seeds 0, 1): adaptive wins seed 0
    only; agreement err adaptive 1.0 / 1.5, student 2.0 / 2.5: adaptive wins both. The teacher has no agreement."""
    results = [result("cls", "adaptive", s, {"classification/top1_err": e, "classification/top1_agreement_err": a})
               for s, (e, a) in enumerate([(2.0, 1.0), (3.0, 1.5)])]
    results += [result("cls", "student", s, {"classification/top1_err": e, "classification/top1_agreement_err": a})
                for s, (e, a) in enumerate([(3.0, 2.0), (2.5, 2.5)])]
    results.append(result("cls", "teacher", None, {"classification/top1_err": 1.3}))
    return results


def write_results(results_dir, results):
    for r in results:
        name = "shipped.json" if r["seed"] is None else f"seed{r['seed']}.json"
        path = os.path.join(results_dir, r["task"], r["row"], name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(r, f)
    return results_dir
