"""A detectron2 dense detector (RetinaNet, FCOS, ...) distilled from a frozen teacher of the same kind.

The student is an unmodified detectron2 model held as ``self.student``; training returns its task losses
plus the Distiller's terms, inference returns the student's detections only. ``student_state_dict()``
gives weights that load into the plain student config.
"""
from typing import Dict, List

import torch

from .distilled_model import DistilledModel


class DistillDenseDetector(DistilledModel):
    """Student and teacher: detectron2 dense detectors (e.g. RetinaNet) with the same ``head_in_features``."""

    @staticmethod
    def run_tapped(model, image_tensor):
        """Backbone + head, the part of a dense detector that paths tap; returns the head's input features."""
        features = model.backbone(image_tensor.to(model.device))
        features = [features[f] for f in model.head_in_features]
        model.head(features)
        return features

    @staticmethod
    def split_by_level(flat, teacher_features, anchors):
        """(N, R, ...) per-anchor values over all levels → per level (N, H, W, A, ...), detectron2's anchor order."""
        per_level, start = [], 0
        for feature, level_anchors in zip(teacher_features, anchors):
            h, w = feature.shape[-2:]
            level = flat[:, start : start + len(level_anchors)]
            per_level.append(level.reshape(flat.shape[0], h, w, len(level_anchors) // (h * w), *flat.shape[2:]))
            start += len(level_anchors)
        return per_level

    def distillation_context(self, batched_inputs, teacher_features) -> Dict:
        """Extra inputs for path losses (subclasses: positive locations, ground-truth masks, ...)."""
        return {}

    def forward(self, batched_inputs: List[Dict[str, torch.Tensor]]):
        if not self.training:
            return self.student(batched_inputs)
        losses = self.student(batched_inputs)
        with self.teacher_pass():
            images = self.teacher.preprocess_image(batched_inputs)
            teacher_features = self.run_tapped(self.teacher, images.tensor)
            context = self.distillation_context(batched_inputs, teacher_features)
        losses.update(self.distiller(context, task_losses=losses))
        return losses
