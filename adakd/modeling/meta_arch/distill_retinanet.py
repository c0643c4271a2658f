"""RetinaNet student distilled from a frozen RetinaNet teacher; the Box path imitates the teacher's box
deltas at the anchors its matcher makes positive, given to the loss as ``box_weight``.
"""
from typing import Dict

import torch

from .distill_dense_detector import DistillDenseDetector


class DistillRetinaNet(DistillDenseDetector):
    def distillation_context(self, batched_inputs, teacher_features) -> Dict:
        """``box_weight``: per head level, (N, H, W, A) with 1 at the anchors matched to a ground truth."""
        teacher = self.teacher
        anchors = teacher.anchor_generator(teacher_features)
        gt = [x["instances"].to(teacher.device) for x in batched_inputs]
        gt_labels, _ = teacher.label_anchors(anchors, gt)
        labels = torch.stack(gt_labels)  # (N, R); num_classes = background, -1 = ignored
        positive = ((labels >= 0) & (labels != teacher.num_classes)).float()
        weights, start = [], 0
        for feature, level_anchors in zip(teacher_features, anchors):
            h, w = feature.shape[-2:]
            weights.append(positive[:, start : start + len(level_anchors)].reshape(-1, h, w, len(level_anchors) // (h * w)))
            start += len(level_anchors)
        return {"box_weight": weights}
