"""Localization distillation (LD) on the box-edge distributions of GFL-style heads."""

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim, require_same_shape


class LocalizationDistillationLoss(nn.Module):
    """Localization distillation of Zheng et al., "Localization Distillation for Dense Object Detection",
    CVPR 2022 (arXiv:2102.12252, Eq. 4 with the main-distillation-region weighting of its code), at the
    settings of the authors' R101 → R18 GFL config (mmdetection ``configs/ld/ld_r18_gflv1_r101_fpn_coco_1x.py``:
    ``KnowledgeDistillationKLDivLoss`` with ``T = 10``, weight 0.25, no VLR term).

    Each box edge ``e`` carries a distribution over ``n_bins = reg_max + 1`` offsets. Per edge, the KL
    divergence of the softened distributions is averaged over the bins (not summed) and scaled by ``T^2``::

        LD_e = T^2 / n_bins * sum_b p_b (log p_b - log q_b),   p = softmax(t_e / T), q = softmax(s_e / T)

    The loss is the weighted sum over the positive locations ``m`` (ATSS positives) of their 4 edges,
    divided by 4 (the reference's ``avg_factor=4``), with no division by the number of positives::

        L_LD = sum_m w_m * (1/4) sum_e LD_me,   w_m = max_k sigmoid(z_mk)  (the student's detached score)

    Being a plain sum, the terms of several FPN levels add up to the reference's sum over all levels.

    The sum grows with the number of images one process holds, so a loss weight means what it meant for the
    reference only at the reference's images per process (2 per GPU in mmdetection's LD configs).
    ``reference_images`` (dense inputs only) scales the sum by ``reference_images / N`` for a batch of N
    images: with 8 images per process and ``reference_images=2`` the authors' weight 0.25 weighs the
    positives of two images' worth, as it did there. ``None`` keeps the reference's plain sum.

    Inputs: dense head outputs (N, 4*n_bins, H, W) with ``positive`` (N, H, W) in {0, 1} and ``score_logits``
    the student's classification logits (N, K, H, W) of the same level; or edge logits (M, 4, n_bins) /
    (M*4, n_bins) with ``positive`` (M,) and ``score_logits`` (M, K). ``positive=None`` counts every
    location; ``score_logits=None`` weights each by 1. With no positive the loss is a zero tied to ``student``.
    """

    def __init__(self, temperature=10.0, reference_images=None):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"LocalizationDistillationLoss: temperature must be positive, got {temperature}")
        if reference_images is not None and reference_images <= 0:
            raise ValueError(f"LocalizationDistillationLoss: reference_images must be positive, got {reference_images}")
        self.temperature = float(temperature)
        self.reference_images = reference_images

    def forward(self, student, teacher, positive=None, score_logits=None):
        require_ndim(self, student, (2, 3, 4), "student edge logits")
        require_same_shape(self, student, teacher)
        require(self.reference_images is None or student.dim() == 4, self,
                f"reference_images needs dense (N, 4*n_bins, H, W) inputs to count the images, got "
                f"{tuple(student.shape)}")
        scale = 1.0 if self.reference_images is None else self.reference_images / student.shape[0]
        if student.dim() == 4:
            require(student.shape[1] % 4 == 0, self, f"dense edge logits need 4*n_bins channels, got {tuple(student.shape)}")
            n, c, h, w = student.shape
            student = student.permute(0, 2, 3, 1).reshape(-1, 4, c // 4)
            teacher = teacher.permute(0, 2, 3, 1).reshape(-1, 4, c // 4)
            if score_logits is not None:
                require(score_logits.dim() == 4 and score_logits.shape[0] == n and score_logits.shape[2:] == (h, w),
                        self, f"score_logits must be (N, K, H, W) = ({n}, K, {h}, {w}) for edge logits "
                              f"{(n, c, h, w)}, got {tuple(score_logits.shape)}")
                score_logits = score_logits.permute(0, 2, 3, 1).reshape(n * h * w, -1)
        if student.dim() == 3:
            require(student.shape[1] == 4, self, f"3-d edge logits must be (M, 4, n_bins), got {tuple(student.shape)}")
        num_bins = student.shape[-1]
        require(student.numel() // num_bins % 4 == 0, self,
                f"edge logits need 4 edges per location, got student {tuple(student.shape)}")
        num_positions = student.numel() // num_bins // 4
        student = student.reshape(num_positions, 4, num_bins)
        teacher = teacher.detach().reshape(num_positions, 4, num_bins)

        weight = student.new_ones(num_positions)
        if positive is not None:
            require(positive.numel() == num_positions, self,
                    f"positive must give one value per location ({num_positions}), got shape {tuple(positive.shape)}")
            weight = weight * positive.detach().reshape(-1).to(weight.dtype)
        if score_logits is not None:
            require(score_logits.dim() == 2 and score_logits.shape[0] == num_positions, self,
                    f"score_logits must be ({num_positions}, K), got {tuple(score_logits.shape)}")
            weight = weight * score_logits.detach().sigmoid().max(dim=1).values.to(weight.dtype)

        log_q = F.log_softmax(student / self.temperature, dim=-1)
        log_p = F.log_softmax(teacher / self.temperature, dim=-1)
        per_edge = (log_p.exp() * (log_p - log_q)).mean(dim=-1) * self.temperature**2  # (M, 4)
        # Weight, not index: zero-weight locations drop out with no host sync and the zero stays connected.
        return (weight[:, None] * per_edge).sum() * (scale / 4.0)
