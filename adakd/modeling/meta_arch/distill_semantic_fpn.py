"""Semantic FPN (detectron2's SemanticSegmentor + SemSegFPNHead) distilled from a frozen teacher of the same
kind: the paper's segmentation setting (§4, Table 4), AT on backbone stages and ST on per-pixel logits.

Training returns the student's ``loss_sem_seg`` plus the Distiller's terms; inference returns the student's
``sem_seg`` only. The distillation context holds ``valid``: (N, H, W) at the logits' resolution (1/4 of the
input for SemSegFPNHead), False where the ground truth is the ignore label (or padding), so that ST skips
those pixels.
"""
from typing import Dict, List

import torch
import torch.nn.functional as F
from detectron2.structures import ImageList

from .distilled_model import DistilledModel


class DistillSemanticFPN(DistilledModel):
    """Student and teacher: detectron2 SemanticSegmentor models with an FPN-style head (``head.layers``)."""

    @staticmethod
    def run_tapped(model, image_tensor):
        """Backbone + head layers (the logits before upsampling), the part that paths tap."""
        return model.sem_seg_head.layers(model.backbone(image_tensor.to(model.device)))

    @staticmethod
    def _padded(model, tensors, pad_value=0.0):
        """As SemanticSegmentor.forward batches images and targets (padding to the backbone's divisibility)."""
        return ImageList.from_tensors(
            tensors, model.backbone.size_divisibility, pad_value, model.backbone.padding_constraints
        ).tensor

    def distillation_context(self, batched_inputs, logits) -> Dict:
        """``valid``: (N, h, w) at the logits' resolution, True where the ground truth is a real label."""
        if "sem_seg" not in batched_inputs[0]:
            return {}
        ignore = self.student.sem_seg_head.ignore_value
        targets = [x["sem_seg"].to(self.device) for x in batched_inputs]
        targets = self._padded(self.student, targets, ignore)
        # Nearest sampling keeps labels intact (no blending of class ids at the 1/4 resolution).
        targets = F.interpolate(targets[:, None].float(), size=logits.shape[-2:], mode="nearest")[:, 0]
        return {"valid": targets != ignore}

    def forward(self, batched_inputs: List[Dict[str, torch.Tensor]]):
        if not self.training:
            return self.student(batched_inputs)
        losses = self.student(batched_inputs)
        teacher = self.teacher
        with self.teacher_pass():
            images = [(x["image"].to(teacher.device) - teacher.pixel_mean) / teacher.pixel_std for x in batched_inputs]
            logits = self.run_tapped(teacher, self._padded(teacher, images))
            context = self.distillation_context(batched_inputs, logits)
        losses.update(self.distiller(context, task_losses=losses))
        return losses
