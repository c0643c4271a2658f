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
        return {"box_weight": self.split_by_level(positive, teacher_features, anchors)}
