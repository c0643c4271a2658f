"""Box-regression distillation for anchor-based detectors (RetinaNet's Box path)."""
import torch
from torch import nn

from ._checks import require, require_ndim, require_same_shape


class BoxRegressionKDLoss(nn.Module):
    """The student regresses the teacher's box deltas at the anchors that are positive for the teacher
    (its matches to the ground truth): an ℓ2 imitation of the regression output, the form Chen et al.
    ("Learning Efficient Object Detection Models with Knowledge Distillation", NeurIPS 2017, §3.2) use as
    the teacher's regression hint, here without their upper bound. Per positive anchor a::

        mean over the 4 deltas of (d_S(a) − d_T(a))²,  averaged over positive anchors (weighted by ``weight``).

    Inputs are dense head outputs (N, A·4, H, W) with ``weight`` (N, H, W, A), or (M, 4) with ``weight``
    (M,). Without ``weight`` every anchor counts. With no positive anchor the loss is a zero tied to student.
    """

    def forward(self, student, teacher, weight=None):
        require_ndim(self, student, (2, 4), "student box deltas")
        require_same_shape(self, student, teacher)
        teacher = teacher.detach()
        if student.dim() == 4:
            require(student.shape[1] % 4 == 0, self, f"dense deltas need A·4 channels, got {tuple(student.shape)}")
            n, c, h, w = student.shape
            # (N, A·4, H, W) → (N·H·W·A, 4), the order of detectron2's permute_to_N_HWA_K.
            student = student.view(n, c // 4, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4)
            teacher = teacher.view(n, c // 4, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4)
        per_anchor = (student - teacher).pow(2).mean(dim=1)
        if weight is None:
            return per_anchor.mean()
        weight = weight.detach().reshape(-1).to(per_anchor.dtype)
        require(weight.numel() == per_anchor.numel(), self,
                f"weight must give one value per anchor ({per_anchor.numel()}), got shape {tuple(weight.shape)}")
        return (weight * per_anchor).sum() / weight.sum().clamp(min=torch.finfo(per_anchor.dtype).eps)
