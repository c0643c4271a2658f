"""How many ground-truth objects of an image a detector names right: the count under the README's demo
pictures ("names N of the M objects right at score >= 0.5"), which a reader can check by eye.

An object is named right when a detection of its class, with score at or above the threshold, overlaps it at
IoU >= 0.5, each detection naming at most one object: detections are taken from the highest score down, each
matched to the unmatched object of its class that it overlaps most (COCO's matching at one IoU threshold).
"""
from detectron2.structures import Boxes, pairwise_iou


def count_named_objects(pred_boxes, pred_classes, scores, gt_boxes, gt_classes, score_threshold=0.5, iou=0.5):
    """(objects named right, detections at or above ``score_threshold`` that name none). Boxes: XYXY tensors."""
    keep = scores >= score_threshold
    pred_boxes, pred_classes, scores = pred_boxes[keep], pred_classes[keep], scores[keep]
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return 0, len(pred_boxes)
    overlaps = pairwise_iou(Boxes(pred_boxes), Boxes(gt_boxes))
    overlaps[pred_classes[:, None] != gt_classes[None, :]] = -1.0
    taken = [False] * len(gt_boxes)
    named = 0
    for d in scores.argsort(descending=True).tolist():
        candidates = [(float(overlaps[d, g]), g) for g in range(len(gt_boxes)) if not taken[g]]
        best, g = max(candidates, default=(-1.0, None))
        if best >= iou:
            taken[g] = True
            named += 1
    return named, len(pred_boxes) - named
