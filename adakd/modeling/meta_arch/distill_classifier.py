"""An image classifier distilled from a frozen teacher classifier: the paper's classification setting
(§4, Tables 2 and 3, Figure 2), e.g. AT on res2..res5 and ST on the logits.

Training returns the student's ``loss_cls`` plus the Distiller's terms. Inference returns the student's
``logits`` and, for the agreement error of Stanton et al. 2021, the teacher's as ``teacher_logits``.
"""
from typing import Dict, List

import torch

from .distilled_model import DistilledModel


class DistillClassifier(DistilledModel):
    """Student and teacher: ImageClassifier models over the same classes."""

    def __init__(self, *, probe_size=(32, 32), **kwargs):
        """probe_size: the training image size (adapters are sized on it); see DistilledModel for the rest."""
        super().__init__(probe_size=probe_size, **kwargs)

    @staticmethod
    def run_tapped(model, image_tensor):
        return model.logits(image_tensor.to(model.device))

    def forward(self, batched_inputs: List[Dict[str, torch.Tensor]]):
        outputs = self.student(batched_inputs)  # losses in training, per-image logits in inference
        with self.teacher_pass():
            teacher_logits = self.teacher.logits(self.teacher.preprocess_image(batched_inputs))
        if self.training:
            outputs.update(self.distiller(task_losses=outputs))
            return outputs
        self.distiller.clear()  # eval passes record taps too; nothing reads them
        for output, row in zip(outputs, teacher_logits):
            output["teacher_logits"] = row
        return outputs
