"""Neuron selectivity transfer (NST) as the seed paper's code computes it: matching channel Gram matrices."""

import torch.nn.functional as F
from torch import nn

from ._checks import require_ndim, require_same_shape


class NSTLoss(nn.Module):
    """Neuron selectivity transfer (Huang & Wang, "Like What You Like: Knowledge Distill via Neuron Selectivity
    Transfer", arXiv:1707.01219) in the form of the seed paper's released code (wyzelabs-inc/
    AdaptiveDistillation, ``distillation_losses/nst.py``), which produced its NST rows (Tables 2 and 3).

    Each channel of a feature map (N, C, H, W) is a vector over the H*W positions, L2-normalised; with those
    rows ``f`` (N, C, H*W), the channel Gram matrix is ``G = f f^T`` (N, C, C), and the loss is::

        mean over N*C*C elements of (G(S) - G(T))^2

    The student is adapted to the teacher's shape first (the path's 1x1 conv + BN adapter, as in that code).
    Unlike the MMD of Huang & Wang's paper (``NSTMMDLoss``), it pairs channel i of the student with channel
    i of the teacher: a channel permutation of the teacher changes it.
    """

    def forward(self, student, teacher):
        require_ndim(self, student, (4,), "student")
        require_same_shape(self, student, teacher)
        student = F.normalize(student.flatten(2), dim=2)
        teacher = F.normalize(teacher.detach().flatten(2), dim=2)
        return F.mse_loss(student @ student.transpose(1, 2), teacher @ teacher.transpose(1, 2))
