"""A detectron2 dense detector (RetinaNet, FCOS, ...) distilled from a frozen teacher of the same kind.

The student is an unmodified detectron2 model held as ``self.student``; training returns its task losses
plus the Distiller's terms, inference returns the student's detections only. ``student_state_dict()``
gives weights that load into the plain student config.
"""
from typing import Dict, List

import torch
from detectron2.modeling.meta_arch.dense_detector import DenseDetector
from torch import nn

from ...distill import Distiller
from ..teacher_weights import load_teacher_weights


class DistillDenseDetector(nn.Module):
    def __init__(self, *, student: DenseDetector, teacher: DenseDetector, teacher_weights: str, paths,
                 aggregator, probe_size=(128, 128)):
        """
        Args:
            student, teacher: detectron2 dense detectors (e.g. RetinaNet) with the same ``head_in_features``.
            teacher_weights: path or URL of the trained teacher.
            paths: list of DistillPath over the two models' modules (e.g. ``"backbone:p3"``).
            aggregator: a PathAggregator or ``build_aggregator`` keyword arguments.
            probe_size: image size of the zero batch that sizes the adapters.
        """
        super().__init__()
        self.student = student
        load_teacher_weights(teacher, teacher_weights)
        self.distiller = Distiller(student, teacher, paths, aggregator)
        probe = torch.zeros(1, 3, *probe_size)
        self.distiller.build_adapters(lambda: (self._run_dense(student, probe), self._run_dense(teacher, probe)))

    @property
    def teacher(self):
        return self.distiller.teacher

    @property
    def device(self):
        return self.student.device

    @staticmethod
    def _run_dense(model, image_tensor):
        """Backbone + head, the part of a dense detector that paths tap; returns the head's input features."""
        features = model.backbone(image_tensor.to(model.device))
        features = [features[f] for f in model.head_in_features]
        model.head(features)
        return features

    @staticmethod
    def split_by_level(flat, teacher_features, anchors):
        """(N, R) per-anchor values over all levels → per level (N, H, W, A), detectron2's anchor order."""
        per_level, start = [], 0
        for feature, level_anchors in zip(teacher_features, anchors):
            h, w = feature.shape[-2:]
            per_level.append(flat[:, start : start + len(level_anchors)].reshape(-1, h, w, len(level_anchors) // (h * w)))
            start += len(level_anchors)
        return per_level

    def distillation_context(self, batched_inputs, teacher_features) -> Dict:
        """Extra inputs for path losses (subclasses: positive locations, ground-truth masks, ...)."""
        return {}

    def forward(self, batched_inputs: List[Dict[str, torch.Tensor]]):
        if not self.training:
            return self.student(batched_inputs)
        losses = self.student(batched_inputs)
        with torch.no_grad():
            images = self.teacher.preprocess_image(batched_inputs)
            teacher_features = self._run_dense(self.teacher, images.tensor)
            context = self.distillation_context(batched_inputs, teacher_features)
        losses.update(self.distiller(context))
        return losses

    def student_state_dict(self):
        """The student's weights alone: they load into the plain student config."""
        return self.student.state_dict()
