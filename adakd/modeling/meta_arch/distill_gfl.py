"""GFL student distilled from a frozen GFL teacher; the Box path is localization distillation (LD) at the
ATSS-positive locations, given to LD-style losses as ``box_positive``.
"""
from typing import Dict

import torch

from .distill_dense_detector import DistillDenseDetector


class DistillGFL(DistillDenseDetector):
    def distillation_context(self, batched_inputs, teacher_features) -> Dict:
        """``box_positive``: per head level, (N, H, W) with 1 at the ATSS-positive locations.

        ATSS looks only at anchors and ground truth, so these are also the student's positives (LD's
        reference head assigns with the student's anchors, which are the same)."""
        teacher = self.teacher
        anchors = teacher.anchor_generator(teacher_features)
        gt = [x["instances"].to(teacher.device) for x in batched_inputs]
        positive = torch.stack([teacher.atss_assign(anchors, g) >= 0 for g in gt]).float()  # (N, R)
        # One anchor per location: (N, H, W, 1) → (N, H, W).
        return {"box_positive": [w[..., 0] for w in self.split_by_level(positive, teacher_features, anchors)]}
