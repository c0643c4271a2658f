"""Attention transfer (AT) between intermediate feature maps."""

import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim


class AttentionTransferLoss(nn.Module):
    """Activation-based attention transfer of Zagoruyko & Komodakis, "Paying More Attention to Attention",
    ICLR 2017 (attention map of Sec. 3.1, loss of Eq. 2).

    The attention map of a feature map ``F`` (N, C, H, W) is ``Q(F) = mean_c |F_c|^p``, flattened per sample
    and L2-normalised over positions (the paper sums over channels; the 1/C factor cancels in the
    normalisation). The loss is::

        mean over samples and positions of (Q(S)/||Q(S)|| - Q(T)/||Q(T)||)^2

    i.e. Eq. 2's attention term squared and averaged instead of summed, as the authors' reference code does;
    that averaging is why hand-tuned AT weights are large (1000 in Adaptive Distillation, BMVC 2021).

    Channel counts may differ: the map averages channels away, so no adapter is needed. When the spatial
    sizes differ, the student's (un-normalised) attention map is resized to the teacher's size with
    bilinear interpolation (``align_corners=False``) and normalised afterwards.
    """

    def __init__(self, p=2):
        super().__init__()
        if p <= 0:
            raise ValueError(f"AttentionTransferLoss: p must be positive, got {p}")
        self.p = p

    def _attention(self, features):
        return features.abs().pow(self.p).mean(dim=1, keepdim=True)  # (N, 1, H, W)

    def forward(self, student, teacher):
        require_ndim(self, student, (4,), "student")
        require_ndim(self, teacher, (4,), "teacher")
        require(
            student.shape[0] == teacher.shape[0],
            self,
            f"batch sizes must match, got student {tuple(student.shape)} and teacher {tuple(teacher.shape)}",
        )
        teacher = teacher.detach()
        student_map = self._attention(student)
        teacher_map = self._attention(teacher)
        if student_map.shape[-2:] != teacher_map.shape[-2:]:
            student_map = F.interpolate(student_map, size=teacher_map.shape[-2:], mode="bilinear", align_corners=False)
        student_map = F.normalize(student_map.flatten(1), dim=1)
        teacher_map = F.normalize(teacher_map.flatten(1), dim=1)
        return (student_map - teacher_map).pow(2).mean()
