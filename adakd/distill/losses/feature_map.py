"""Feature matching (FM) of globally pooled stage features."""

import torch.nn.functional as F
from torch import nn

from ._checks import require_ndim, require_same_shape


class FeatureMapLoss(nn.Module):
    """The feature-matching loss L_FM of Yang, Martinez, Bulat & Tzimiropoulos, "Knowledge Distillation via
    Softmax Regression Representation Learning", ICLR 2021 (Sec. 3), as the seed paper's released code
    computes it (wyzelabs-inc/AdaptiveDistillation, ``distillation_losses/feature_map.py``): for a feature map
    (N, C, H, W) already adapted to the teacher's channels (1x1 conv + BN), the squared gap between the
    spatial means,

        mean over N*C of (mean_hw S - mean_hw T)^2

    That code sums it over the four residual stages (the FM path taps res2..res5). (N, C) features are
    taken as already pooled.
    """

    def forward(self, student, teacher):
        require_ndim(self, student, (2, 4), "student")
        require_same_shape(self, student, teacher)
        if student.dim() == 4:
            student, teacher = student.mean(dim=(2, 3)), teacher.mean(dim=(2, 3))
        return F.mse_loss(student, teacher.detach())
