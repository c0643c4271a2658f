"""OFD: the overhaul of feature distillation — pre-ReLU features, a margin ReLU on the teacher's side, and a
partial L2 distance."""

import difflib
import math

import torch
from torch import nn

from ._checks import require, require_same_shape


def margins_from_batch_norm(bn):
    """Per channel, the expected value of the teacher's negative pre-ReLU responses, for a response that is
    Gaussian with the BN's affine parameters (std |γ|, mean β): E[x | x < 0] = β − |γ| φ(β/|γ|) / Φ(−β/|γ|); where
    Φ(−β/|γ|) ≤ 0.001 (almost never negative), −3|γ| (Heo et al., Eq. 3; the authors' ``get_margin_from_BN``)."""
    std, mean = bn.weight.detach().double().abs(), bn.bias.detach().double()
    below = torch.special.ndtr(-mean / std)
    density = torch.exp(-((mean / std) ** 2) / 2) / math.sqrt(2 * math.pi)
    return torch.where(below > 0.001, mean - std * density / below, -3 * std).float()


class OFDLoss(nn.Module):
    """Heo, Kim, Yun, Park, Kwak & Choi, "A Comprehensive Overhaul of Feature Distillation", ICCV 2019, as the
    authors' code computes it (clovaai/overhaul-distillation, ``CIFAR-100/distiller.py``, ``ImageNet/distiller.py``):

    - the distillation position is before the ReLU at the end of a stage: a layer of two taps on each side,
      the last block's residual branch (its last conv + BN) and its shortcut input, summed here;
    - the student's side goes through a connector, a 1x1 conv + BN to the teacher's width (He-normal conv
      over fan-out, BN at weight 1, bias 0), built by the path (``build``);
    - the teacher's side through the margin ReLU, max(t, m_c), with the per-channel margin m_c of the
      teacher's BN before that ReLU (``margins_from_batch_norm``; the BN named by ``teacher_bn``, found by
      ``bind_teacher``);
    - the partial L2 distance: (s − max(t, m))² summed over the elements where s > max(t, m) or the target is
      positive (where both are at or below a negative margin, the ReLU makes them equal);
    - summed over the batch and divided by the batch size (the authors divide the whole sum by it), times
      ``stage_weight`` (theirs: 1/2^(n-i-1) for stage i of n, the last stage 1).

    The authors' loss weight (1e-3 on CIFAR, 1e-4 on ImageNet) is the path's weight. One deviation: their
    teacher runs in training mode (BN on batch statistics); every teacher here is frozen in eval mode.
    """

    def __init__(self, teacher_bn: str, stage_weight=1.0):
        super().__init__()
        self.teacher_bn = teacher_bn
        self.stage_weight = stage_weight
        self.connector = None
        self.register_buffer("margin", torch.zeros(0), persistent=False)  # set from the teacher: not saved

    def build(self, student_channels, teacher_channels):
        conv = nn.Conv2d(student_channels, teacher_channels, kernel_size=1, bias=False)
        nn.init.normal_(conv.weight, std=math.sqrt(2.0 / teacher_channels))
        self.connector = nn.Sequential(conv, nn.BatchNorm2d(teacher_channels))
        return self

    def bind_teacher(self, teacher):
        modules = dict(teacher.named_modules())
        if self.teacher_bn not in modules:
            close = difflib.get_close_matches(self.teacher_bn, list(modules), n=3)
            raise KeyError(f"OFDLoss: the teacher has no module {self.teacher_bn!r} to take the margins from"
                           + (f"; close matches: {', '.join(close)}" if close else ""))
        bn = modules[self.teacher_bn]
        require(getattr(bn, "weight", None) is not None and getattr(bn, "bias", None) is not None, self,
                f"the teacher's {self.teacher_bn!r} ({type(bn).__name__}) has no affine weight and bias to take "
                f"the margins from")
        self.margin = margins_from_batch_norm(bn).reshape(1, -1, 1, 1).to(bn.weight.device)

    @staticmethod
    def _pre_relu(feature):
        return feature if isinstance(feature, torch.Tensor) else sum(feature)

    def forward(self, student, teacher):
        require(self.connector is not None, self, "no connector: the path builds it (Distiller.build_adapters)")
        require(self.margin.numel() > 0, self, "no margins: bind_teacher was not called (the Distiller calls it)")
        student = self.connector(self._pre_relu(student))
        teacher = self._pre_relu(teacher).detach()
        require_same_shape(self, student, teacher, "connected student and teacher")
        require(teacher.shape[1] == self.margin.shape[1], self,
                f"{self.margin.shape[1]} margins from {self.teacher_bn!r} for {teacher.shape[1]} teacher channels")
        target = torch.maximum(teacher, self.margin)
        counted = (student > target) | (target > 0)
        return ((student - target) ** 2 * counted).sum() / student.shape[0] * self.stage_weight
