"""Localization distillation (LD) on the box-edge distributions of GFL-style heads."""

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim, require_same_shape


class LocalizationDistillationLoss(nn.Module):
    """Localization distillation of Zheng et al., "Localization Distillation for Dense Object Detection",
    CVPR 2022 (arXiv:2102.12252): soft-target KD applied to each box edge's discretised
    distribution over ``n_bins = reg_max + 1`` offsets (Generalized Focal Loss heads). Per edge ``e``::

        LD_e = T^2 * KL(softmax(t_e / T) || softmax(s_e / T)) = T^2 * sum_b p_b (log p_b - log q_b)

    Inputs are (M, 4, n_bins) or (M*4, n_bins) edge logits, or a dense head output (N, 4*n_bins, H, W)
    read as M = N*H*W positions (``weight`` then (N, H, W)); the loss is the mean of ``LD_e`` over all edges.
    ``weight`` (M,), one value per position (e.g. the teacher's classification score, as LD does), makes it
    a weighted average over positions of each position's mean over its 4 edges:
    ``sum_m w_m mean_e LD_me / sum_m w_m``. (LD's reference head instead divides the weighted sum by 4,
    so its scale follows the number of positions; rescale ``weight`` if that is wanted.)
    With M == 0 the loss is a zero still connected to ``student``.
    """

    def __init__(self, temperature=10.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"LocalizationDistillationLoss: temperature must be positive, got {temperature}")
        self.temperature = float(temperature)

    def forward(self, student, teacher, weight=None):
        require_ndim(self, student, (2, 3, 4), "student edge logits")
        require_same_shape(self, student, teacher)
        if student.dim() == 4:
            require(student.shape[1] % 4 == 0, self, f"dense edge logits need 4*n_bins channels, got {tuple(student.shape)}")
            n, c = student.shape[:2]
            student = student.permute(0, 2, 3, 1).reshape(-1, 4, c // 4)
            teacher = teacher.permute(0, 2, 3, 1).reshape(-1, 4, c // 4)
            weight = weight.reshape(-1) if weight is not None else None
        if student.dim() == 3:
            require(student.shape[1] == 4, self, f"3-d edge logits must be (M, 4, n_bins), got {tuple(student.shape)}")
        num_bins = student.shape[-1]
        student = student.reshape(-1, num_bins)
        teacher = teacher.detach().reshape(-1, num_bins)
        if student.shape[0] == 0:
            return student.sum() * 0.0

        log_q = F.log_softmax(student / self.temperature, dim=1)
        log_p = F.log_softmax(teacher / self.temperature, dim=1)
        per_edge = (log_p.exp() * (log_p - log_q)).sum(dim=1) * self.temperature**2
        if weight is None:
            return per_edge.mean()

        require(
            student.shape[0] % 4 == 0,
            self,
            f"weight needs 4 edges per position, got {student.shape[0]} edges (student {tuple(student.shape)})",
        )
        num_positions = student.shape[0] // 4
        require(
            tuple(weight.shape) == (num_positions,),
            self,
            f"weight must have shape ({num_positions},), one per position, got {tuple(weight.shape)}",
        )
        weight = weight.detach().to(per_edge.dtype)
        per_position = per_edge.reshape(num_positions, 4).mean(dim=1)
        # Clamp, not a branch: all-zero weights give 0 / eps = 0, with no host sync and no NaN gradient.
        total = weight.sum().clamp(min=torch.finfo(per_edge.dtype).eps)
        return (weight * per_position).sum() / total
