"""Neuron selectivity transfer as Huang & Wang define it: the MMD between per-channel activation patterns."""

import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim


class NSTMMDLoss(nn.Module):
    """Neuron selectivity transfer of Huang & Wang, "Like What You Like: Knowledge Distill via Neuron
    Selectivity Transfer", arXiv:1707.01219, 2017: the squared MMD between the student's and the teacher's
    channel activation patterns (their Sec. 3), with the polynomial kernel ``d = 2, c = 0``.

    Each channel of a feature map (N, C, H, W) is one sample vector over the H*W positions, L2-normalised.
    With ``k(x, y) = (x . y)^2`` and the student's vectors ``s_i`` (C_s of them) and the teacher's ``t_j``
    (C_t of them), the squared MMD per image is::

        mean_ij k(s_i, s_j) + mean_ij k(t_i, t_j) - 2 mean_ij k(s_i, t_j)

    and the loss is its mean over the batch. Channel counts may differ; spatial sizes must match.

    This is the paper's loss; the seed paper's classification numbers used ``NSTLoss`` (the Gram-matrix form of
    its authors' code), which differs (e.g. it is not invariant to a permutation of the teacher's channels).
    """

    def forward(self, student, teacher):
        require_ndim(self, student, (4,), "student")
        require_ndim(self, teacher, (4,), "teacher")
        require(
            student.shape[0] == teacher.shape[0] and student.shape[2:] == teacher.shape[2:],
            self,
            "batch and spatial sizes must match (channels may differ), "
            f"got student {tuple(student.shape)} and teacher {tuple(teacher.shape)}",
        )
        student = F.normalize(student.flatten(2), dim=2)  # (N, C_s, H*W)
        teacher = F.normalize(teacher.detach().flatten(2), dim=2)  # (N, C_t, H*W)

        def mean_kernel(a, b):
            return (a @ b.transpose(1, 2)).pow(2).mean(dim=(1, 2))

        mmd = mean_kernel(student, student) + mean_kernel(teacher, teacher) - 2.0 * mean_kernel(student, teacher)
        return mmd.mean()
