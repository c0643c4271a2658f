"""How far an exported model's outputs are from the PyTorch model's on the same image.

Detections come out of NMS in score order; ties and near-ties (scores a few 1e-7 apart once onnxruntime's
kernels have summed in another order) can swap them, so detections are paired first (Hungarian matching on
box and score distance, a different class costing more than any distance) and compared pair by pair.
"""
import torch
from scipy.optimize import linear_sum_assignment

_CLASS_MISMATCH_COST = 1e6


def match_detections(reference, other):
    """Pairs of indices (into ``reference``, into ``other``) minimising the summed distance, where
    a pair's distance is its boxes' largest coordinate difference (px) plus its score difference, and
    ``_CLASS_MISMATCH_COST`` when the classes differ. Each argument: dict of ``boxes`` (N, 4), ``scores`` (N,),
    ``classes`` (N,) tensors."""
    boxes_a, boxes_b = reference["boxes"].double(), other["boxes"].double()
    cost = (boxes_a[:, None] - boxes_b[None]).abs().amax(dim=-1)
    cost += (reference["scores"].double()[:, None] - other["scores"].double()[None]).abs()
    cost += _CLASS_MISMATCH_COST * (reference["classes"][:, None] != other["classes"][None]).double()
    rows, columns = linear_sum_assignment(cost.numpy())
    return torch.as_tensor(rows, dtype=torch.long), torch.as_tensor(columns, dtype=torch.long)


def detection_differences(reference, other):
    """``count`` (reference, other), and over matched pairs: the largest box coordinate difference (px), the largest
    score difference, and how many pairs have different classes."""
    count = (len(reference["scores"]), len(other["scores"]))
    if min(count) == 0:
        return {"count": count, "boxes": 0.0, "scores": 0.0, "class_mismatches": 0}
    rows, columns = match_detections(reference, other)
    return {
        "count": count,
        "boxes": float((reference["boxes"][rows].double() - other["boxes"][columns].double()).abs().max()),
        "scores": float((reference["scores"][rows].double() - other["scores"][columns].double()).abs().max()),
        "class_mismatches": int((reference["classes"][rows] != other["classes"][columns]).sum()),
    }


def output_differences(task, reference, other):
    """Detection: ``detection_differences``; segmentation and classification: the largest difference of the
    task's tensor (``sem_seg`` logits, ``logits``), with its ``shape`` in both."""
    if task == "detection":
        return detection_differences(reference, other)
    name = "sem_seg" if task == "sem_seg" else "logits"
    a, b = reference[name], other[name]
    shape = (tuple(a.shape), tuple(b.shape))
    largest = float((a.double() - b.double()).abs().max()) if shape[0] == shape[1] else float("inf")
    return {"shape": shape, name: largest}


def describe(task, differences):
    """One line for the console."""
    if task == "detection":
        d = differences
        classes = "classes identical" if d["class_mismatches"] == 0 else f"{d['class_mismatches']} class mismatches"
        count = f"{d['count'][0]} detections" if d["count"][0] == d["count"][1] else \
            f"{d['count'][0]} vs {d['count'][1]} detections"
        return f"{count}; matched: boxes max |Δ| {d['boxes']:.2g} px, scores max |Δ| {d['scores']:.2g}, {classes}"
    name = "sem_seg" if task == "sem_seg" else "logits"
    return f"{name} {'×'.join(map(str, differences['shape'][0]))}: max |Δ| {differences[name]:.2g}"
