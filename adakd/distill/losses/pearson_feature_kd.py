"""PKD: feature imitation through the Pearson correlation of standardised feature maps."""

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim, require_same_shape


def standardise_channels(x, eps):
    """Each channel of (N, C, H, W) to zero mean and unit (unbiased) standard deviation over its N*H*W values (plus
    ``eps`` on the std), as (C, N*H*W): PKD's normalisation, and CrossKD's before it rescales to the teacher's."""
    values = x.transpose(0, 1).flatten(1)
    mean, std = values.mean(dim=1, keepdim=True), values.std(dim=1, keepdim=True)
    return (values - mean) / (std + eps)


class PKDLoss(nn.Module):
    """Cao et al., "PKD: General Distillation Framework for Object Detectors via Pearson Correlation
    Coefficient", NeurIPS 2022 (Eq. 3-4), as mmrazor's ``PKDLoss`` computes it: both feature maps are
    standardised per channel over the batch and the positions (mean 0, unbiased std 1, ``+ 1e-6`` on the std),
    then compared by half their mean squared difference,

        1/2 * mean over N*C*H*W of (std_c(S) - std_c(T))^2  =  (M-1)/M * mean over c of (1 - r_c)

    with r_c the Pearson correlation of channel c over its M = N*H*W values (up to the eps). The loss ignores
    the magnitude of each channel, so FPN levels and channels of very different scales weigh alike, and it is
    invariant to a positive per-channel affine map of either input. One term per tapped level (a path over
    FPN levels sums them, as mmrazor's configs add one loss per level).
    """

    def __init__(self, eps=1e-6):
        super().__init__()
        self.eps = eps

    def forward(self, student, teacher):
        require_ndim(self, student, (4,), "student")
        require_same_shape(self, student, teacher)
        n, _, h, w = student.shape
        require(n * h * w >= 2, self, f"a channel needs at least 2 values (N*H*W) to have a standard deviation, "
                                      f"got shape {tuple(student.shape)}")
        student = standardise_channels(student, self.eps)
        teacher = standardise_channels(teacher.detach(), self.eps)
        return F.mse_loss(student, teacher) / 2
