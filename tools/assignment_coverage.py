#!/usr/bin/env python
"""How many training positives each ground-truth box gets, per pyramid level and object size, under a
detector config's own assignment (RetinaNet's IoU matcher or GFL's ATSS), measured on a dataset's boxes.

    python tools/assignment_coverage.py --config-file projects/AdaptiveKD/configs/shapes_student.py
    python tools/assignment_coverage.py --config-file projects/AdaptiveKD/configs/shapes_gfl_student.py

Prints, per size bucket (sqrt of box area), the number of boxes, the share without any positive, the share
whose only positive is a low-quality match (RetinaNet: best anchor below the foreground IoU threshold), and
the mean positives per box on each level. A box that no anchor covers cannot be learned at all.
"""
import argparse
from collections import defaultdict

import numpy as np
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import DatasetCatalog
from detectron2.modeling.meta_arch import RetinaNet
from detectron2.structures import Boxes, BoxMode, Instances, pairwise_iou

import adakd.data  # noqa: F401  registers the shapes datasets
from adakd.config import apply_checked_overrides

SIZE_BUCKETS = [0, 16, 24, 32, 48, 64, 96, 1e9]


def level_anchors(model, height, width):
    """Anchors per level for an image of the given size (the generator only needs the feature shapes)."""
    shapes = model.backbone.output_shape()
    features = [torch.zeros(1, 1, -(-height // shapes[f].stride), -(-width // shapes[f].stride))
                for f in model.head_in_features]
    return model.anchor_generator(features)


def positives_per_box(model, anchors, boxes):
    """(G, L) positives of each box on each level, and (G,) whether it only has a low-quality match."""
    gt = Instances((0, 0), gt_boxes=Boxes(boxes))
    sizes = [len(a) for a in anchors]
    if isinstance(model, RetinaNet):
        ious = pairwise_iou(Boxes(boxes), Boxes.cat(anchors))
        matched, labels = model.anchor_matcher(ious)
        # Positives above the foreground threshold (Matcher pads its thresholds with -inf and inf);
        # low-quality matches (allow_low_quality_matches) are labelled 1 too.
        strong = ious.max(dim=0).values >= model.anchor_matcher.thresholds[-2]
        low_only = torch.zeros(len(boxes), dtype=torch.bool)
        counts = torch.zeros(len(boxes), len(anchors), dtype=torch.long)
        for g in range(len(boxes)):
            mine = (labels == 1) & (matched == g)
            low_only[g] = bool(mine.any()) and not bool((mine & strong).any())
            counts[g] = torch.stack([m.sum() for m in mine.split(sizes)])
        return counts, low_only
    matched = model.atss_assign(anchors, gt)
    counts = torch.stack([torch.bincount(m[m >= 0], minlength=len(boxes)) for m in matched.split(sizes)], dim=1)
    return counts, torch.zeros(len(boxes), dtype=torch.bool)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config-file", required=True)
    parser.add_argument("--dataset", default=None, help="default: the config's training set")
    parser.add_argument("--max-images", type=int, default=300)
    parser.add_argument("opts", nargs="*", help="key=value overrides of the config")
    args = parser.parse_args()
    cfg = apply_checked_overrides(LazyConfig.load(args.config_file), args.opts)
    model = instantiate(cfg.model).eval()
    name = args.dataset or cfg.dataloader.train.dataset.names
    name = name if isinstance(name, str) else name[0]
    stats = defaultdict(list)
    for record in DatasetCatalog.get(name)[: args.max_images]:
        boxes = [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in record["annotations"]]
        if not boxes:
            continue
        boxes = torch.tensor(boxes, dtype=torch.float32)
        counts, low_only = positives_per_box(model, level_anchors(model, record["height"], record["width"]), boxes)
        side = Boxes(boxes).area().sqrt()
        for g in range(len(boxes)):
            bucket = int(np.searchsorted(SIZE_BUCKETS, float(side[g]), side="right")) - 1
            stats[bucket].append((counts[g].tolist(), bool(low_only[g])))
    levels = list(model.head_in_features)
    print(f"{args.config_file} on {name} ({sum(len(v) for v in stats.values())} boxes)")
    print(f"| box side (px) | boxes | no positive | low-quality only | " + " | ".join(levels) + " |")
    print("|---" * (4 + len(levels)) + "|")
    for bucket in sorted(stats):
        rows = stats[bucket]
        counts = np.array([c for c, _ in rows])
        hi = SIZE_BUCKETS[bucket + 1]
        label = f"{SIZE_BUCKETS[bucket]}-{'' if hi >= 1e9 else int(hi)}"
        print(f"| {label} | {len(rows)} | {100 * np.mean(counts.sum(1) == 0):.1f} % | "
              f"{100 * np.mean([low for _, low in rows]):.1f} % | "
              + " | ".join(f"{m:.2f}" for m in counts.mean(0)) + " |")


if __name__ == "__main__":
    main()
