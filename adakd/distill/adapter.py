"""Adaptation layer of a path (the paper's w_A, Section 3.1): maps a student feature to the teacher's shape.

Made only where shapes differ: a 1×1 convolution + norm where channel counts differ, a bilinear resize
where spatial sizes differ, a linear layer for (N, C) vectors of different widths.
"""
import torch.nn.functional as F
from detectron2.layers import Conv2d, get_norm
from torch import nn


class FeatureAdapter(nn.Module):
    def __init__(self, student_shape, teacher_shape, norm="BN"):
        """Shapes without the batch dimension: (C, H, W) or (C,)."""
        super().__init__()
        student_shape, teacher_shape = tuple(student_shape), tuple(teacher_shape)
        if len(student_shape) != len(teacher_shape) or len(student_shape) not in (1, 3):
            raise ValueError(f"FeatureAdapter: cannot adapt a student feature of shape {student_shape} "
                             f"to a teacher feature of shape {teacher_shape}")
        self.student_shape, self.teacher_shape = student_shape, teacher_shape
        self.proj = None
        if len(student_shape) == 1:
            self.proj = nn.Linear(student_shape[0], teacher_shape[0])
        elif student_shape[0] != teacher_shape[0]:
            self.proj = Conv2d(student_shape[0], teacher_shape[0], kernel_size=1, bias=not norm,
                               norm=get_norm(norm, teacher_shape[0]))

    @staticmethod
    def needed(student_shape, teacher_shape):
        return tuple(student_shape) != tuple(teacher_shape)

    def forward(self, x, size=None):
        """``size``: the teacher feature's (H, W) in this batch (image sizes may vary between batches)."""
        if self.proj is not None:
            x = self.proj(x)
        if size is not None and x.dim() == 4 and tuple(x.shape[-2:]) != tuple(size):
            x = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)
        return x

    def extra_repr(self):
        return f"{self.student_shape} -> {self.teacher_shape}"
