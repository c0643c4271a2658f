"""Feature matching (FM) on the penultimate-layer feature."""

import torch.nn.functional as F
from torch import nn

from ._checks import require_same_shape


class FeatureMapLoss(nn.Module):
    """The feature-matching loss L_FM of Yang, Martinez, Bulat & Tzimiropoulos, "Knowledge Distillation via
    Softmax Regression Representation Learning", ICLR 2021 (Sec. 3): the student's penultimate
    feature, already mapped to the teacher's width by an adapter ``r``, regresses the teacher's,

        mean over elements of (r(h_S) - h_T)^2

    (``torch.nn.functional.mse_loss``; the paper writes the squared L2 norm, which differs by a constant).
    """

    def forward(self, student, teacher):
        require_same_shape(self, student, teacher)
        return F.mse_loss(student, teacher.detach())
