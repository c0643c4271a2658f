"""Softmax regression (SR): judge the student's feature with the teacher's frozen classifier."""

import torch.nn.functional as F
from torch import nn

from ._checks import require_same_shape


class SoftmaxRegressionLoss(nn.Module):
    """The softmax-regression loss L_SR of Yang, Martinez, Bulat & Tzimiropoulos, "Knowledge Distillation via
    Softmax Regression Representation Learning", ICLR 2021 (Sec. 3).

    The student's (adapted) penultimate feature ``h_S`` goes through the teacher's pre-trained classifier
    ``W_T`` and the resulting logits must equal the teacher's own logits ``W_T h_T``. The comparison is the
    "simple L2 loss" of the paper's abstract; the authors' code (github.com/jingyang2017/KD_SRRL,
    ``train_imagenet_distillation.py``) computes it as ``F.mse_loss`` between the two logit tensors, so::

        mean over elements of (W_T h_S / T - z_T / T)^2

    ``temperature`` only divides both logits (a 1/T^2 rescaling of this L2 form); the default 1.0 is the
    reference setting.

    ``teacher_head`` stays frozen: its parameters get ``requires_grad=False`` and it is held in a tuple, so
    it is not a submodule (an optimizer over this loss's or the distiller's parameters never sees it, and it
    is not in ``state_dict``). Gradients still flow through it into the student feature. Its train/eval mode
    and device are those of the teacher it belongs to.
    """

    def __init__(self, teacher_head, temperature=1.0):
        super().__init__()
        if not isinstance(teacher_head, nn.Module):
            raise TypeError(f"SoftmaxRegressionLoss: teacher_head must be an nn.Module, got {type(teacher_head)}")
        if temperature <= 0:
            raise ValueError(f"SoftmaxRegressionLoss: temperature must be positive, got {temperature}")
        for param in teacher_head.parameters():
            param.requires_grad_(False)
        self._teacher_head = (teacher_head,)
        self.temperature = float(temperature)

    @property
    def teacher_head(self):
        return self._teacher_head[0]

    def forward(self, student_feature, teacher_logits):
        student_logits = self.teacher_head(student_feature)
        require_same_shape(
            self, student_logits, teacher_logits, what="logits of teacher_head(student_feature) and teacher"
        )
        return F.mse_loss(student_logits / self.temperature, teacher_logits.detach() / self.temperature)
