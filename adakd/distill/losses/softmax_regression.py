"""Softmax regression (SR): judge the student's feature with the teacher's frozen classifier."""
import difflib

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import require_ndim, require_same_shape


TEACHER_INPUTS = ("logits", "feature", "feature_map")


class SoftmaxRegressionLoss(nn.Module):
    """The softmax-regression loss L_SR of Yang, Martinez, Bulat & Tzimiropoulos, "Knowledge Distillation via
    Softmax Regression Representation Learning", ICLR 2021 (Sec. 3).

    The student's (adapted) penultimate feature ``h_S`` goes through the teacher's pre-trained classifier
    ``W_T`` and the resulting logits must equal the teacher's own logits ``W_T h_T``. The comparison is the
    "simple L2 loss" of the paper's abstract; the authors' code (github.com/jingyang2017/KD_SRRL,
    ``train_imagenet_distillation.py``) computes it as ``F.mse_loss`` between the two logit tensors, so::

        mean over elements of (W_T h_S / T - z_T / T)^2

    In the seed paper's code (wyzelabs-inc/AdaptiveDistillation, ``kd_image.py``) the student's res5 map goes
    through the 1x1 conv + BN adapter shared with FM, is pooled, and meets the teacher's head; the
    classification paths do the same (``teacher_input="feature_map"``, adapters shared with the FM path).

    ``temperature`` only divides both logits (a 1/T^2 rescaling of this L2 form); the default 1.0 is the
    reference setting.

    ``teacher_head`` is the module itself or, in configs (where the teacher is built later), the name of a
    module of the teacher (``"head.linear"``) that the Distiller resolves through ``bind_teacher``.
    It stays frozen: its parameters get ``requires_grad=False`` and it is held in a tuple, so
    it is not a submodule (an optimizer over this loss's or the distiller's parameters never sees it, and it
    is not in ``state_dict``). Gradients still flow through it into the student feature. Its train/eval mode
    and device are those of the teacher it belongs to.
    """

    def __init__(self, teacher_head, temperature=1.0, teacher_input="logits"):
        """teacher_input: what the path's teacher tap gives, the teacher's ``"logits"``, its pooled penultimate
        ``"feature"`` (then the teacher's logits are ``teacher_head(feature)``, and the path's adapter maps the
        student's feature to the teacher's width) or its last ``"feature_map"`` (N, C, H, W) before pooling
        (both maps are then globally average-pooled before ``teacher_head``; the adapter is the 1x1 conv + BN
        of the official code, applied before pooling).

        With ``"logits"`` the student tap must still be a feature (pooled or not, as the student's)."""
        super().__init__()
        if teacher_input not in TEACHER_INPUTS:
            raise ValueError(
                f"SoftmaxRegressionLoss: teacher_input must be one of {TEACHER_INPUTS}, got {teacher_input!r}"
            )
        self.teacher_input = teacher_input
        if not isinstance(teacher_head, (nn.Module, str)):
            raise TypeError(f"SoftmaxRegressionLoss: teacher_head must be an nn.Module or the name of a teacher "
                            f"module, got {type(teacher_head)}")
        if temperature <= 0:
            raise ValueError(f"SoftmaxRegressionLoss: temperature must be positive, got {temperature}")
        self._teacher_head = (None,)
        self.teacher_head_name = teacher_head if isinstance(teacher_head, str) else None
        if isinstance(teacher_head, nn.Module):
            self._set_head(teacher_head)
        self.temperature = float(temperature)

    def _set_head(self, module):
        for param in module.parameters():
            param.requires_grad_(False)
        self._teacher_head = (module,)

    def bind_teacher(self, teacher: nn.Module):
        """Resolves a ``teacher_head`` given by name to that module of ``teacher``."""
        if self.teacher_head_name is None:
            return
        modules = dict(teacher.named_modules())
        if self.teacher_head_name not in modules:
            close = difflib.get_close_matches(self.teacher_head_name, list(modules), n=3)
            hint = f" Close matches: {', '.join(close)}." if close else ""
            raise KeyError(f"SoftmaxRegressionLoss: the teacher has no module {self.teacher_head_name!r}.{hint}")
        self._set_head(modules[self.teacher_head_name])

    @property
    def teacher_head(self):
        if self._teacher_head[0] is None:
            raise RuntimeError(f"SoftmaxRegressionLoss: teacher_head {self.teacher_head_name!r} was never bound to "
                               f"a teacher (Distiller does this; call bind_teacher(teacher) when used alone)")
        return self._teacher_head[0]

    def forward(self, student_feature, teacher_logits):
        if self.teacher_input == "feature_map":
            require_ndim(self, student_feature, (4,), "student feature map")
            require_ndim(self, teacher_logits, (4,), "teacher feature map")
            student_feature = student_feature.mean(dim=(2, 3))
            teacher_logits = teacher_logits.mean(dim=(2, 3))
        if self.teacher_input != "logits":
            with torch.no_grad():
                teacher_logits = self.teacher_head(teacher_logits)
        student_logits = self.teacher_head(student_feature)
        require_same_shape(
            self, student_logits, teacher_logits, what="logits of teacher_head(student_feature) and teacher"
        )
        return F.mse_loss(student_logits / self.temperature, teacher_logits.detach() / self.temperature)
