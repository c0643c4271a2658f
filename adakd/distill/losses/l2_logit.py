"""Logit regression: L2 distance between student and teacher logits."""

import torch.nn.functional as F
from torch import nn

from ._checks import require_ndim, require_same_shape


class L2LogitLoss(nn.Module):
    """Logit regression of Ba & Caruana, "Do Deep Nets Really Need to be Deep?", NeurIPS 2014 (Sec. 2.2):
    the student regresses the teacher's pre-softmax logits with an L2 loss. As the seed paper's released
    code computes it (wyzelabs-inc/AdaptiveDistillation, ``distillation_losses/logits.py``)::

        mean over the N*K elements of (s - t)^2

    (``F.mse_loss``; Ba & Caruana's ``1/(2T) sum_t ||g(x_t) - z_t||^2`` is K/2 times this).
    """

    def forward(self, student, teacher):
        require_ndim(self, student, (2, 3, 4), "student logits")
        require_same_shape(self, student, teacher)
        return F.mse_loss(student, teacher.detach())
