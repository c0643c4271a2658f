"""Attention-guided feature imitation for detectors (foreground/background split, attention-mask loss)."""

import torch.nn.functional as F
from torch import nn

from ._checks import require, require_ndim, require_same_shape


def spatial_and_channel_attention(features, temperature):
    """Return ``(H*W * softmax_hw(mean_c |F| / T), C * softmax_c(mean_hw |F| / T))``, shapes (N, H, W), (N, C)."""
    n, c, h, w = features.shape
    magnitude = features.abs()
    spatial = h * w * F.softmax(magnitude.mean(dim=1).reshape(n, -1) / temperature, dim=1)
    channel = c * F.softmax(magnitude.mean(dim=(2, 3)) / temperature, dim=1)
    return spatial.reshape(n, h, w), channel


class FeatureKDLoss(nn.Module):
    """Attention-guided feature distillation of Zhang & Ma, "Improve Object Detection with Feature-based
    Knowledge Distillation: Towards Accurate and Efficient Detectors", ICLR 2021 (its attention-guided
    distillation), in the foreground/background form that Yang et al. later gave it in FGD ("Focal and
    Global Knowledge Distillation for Detectors", CVPR 2022, focal distillation and attention loss).
    The non-local (relation) part is omitted.

    With ``F_T``, ``F_S`` of shape (N, C, H, W) (student already adapted to the teacher's width)::

        A_S(F) = H*W * softmax over positions of (mean_c |F| / T)          # spatial attention, (N, H, W)
        A_C(F) = C   * softmax over channels  of (mean_hw |F| / T)         # channel attention, (N, C)
        D      = A_S(F_T) * A_C(F_T) * (F_T - F_S)^2                        # teacher attention only
        L_feat = alpha * sum_chw M D / N_fg + beta * sum_chw (1 - M) D / N_bg
        L_att  = gamma * (sum_hw |A_S(F_T) - A_S(F_S)| + sum_c |A_C(F_T) - A_C(F_S)|)

    where ``M`` is ``fg_mask`` (N, H, W) in {0, 1} (positions inside ground-truth boxes) and ``N_fg``, ``N_bg``
    count each image's foreground/background positions (at least 1; FGD weights a box's pixels by 1/area
    of that box, which is the same for an image with one box). Both terms are computed per image and
    averaged over the batch; the loss is ``L_feat + L_att``. With ``fg_mask=None`` every position is
    foreground (``N_fg = H*W``, no background term), which is closest to Zhang & Ma, who use no boxes and
    let the attention alone decide which pixels matter.

    Defaults are FGD's RetinaNet config values (temp 0.5, alpha_fgd 1e-3, beta_fgd 5e-4, gamma_fgd 5e-4).
    Zhang & Ma's released code differs: T = 0.1, masks averaged over teacher and student, the feature
    term an L2 norm (square root of the weighted sum) weighted 7e-5, and the channel/spatial imitation
    terms weighted 4e-3 (each further x6 in that code; mmrazor's FBKDLoss keeps 7e-5 and 4e-3).
    Only the attention loss sends gradients through the student's attention maps.
    """

    def __init__(self, temperature=0.5, alpha=1e-3, beta=5e-4, gamma=5e-4):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"FeatureKDLoss: temperature must be positive, got {temperature}")
        self.temperature = float(temperature)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.gamma = float(gamma)

    def forward(self, student, teacher, fg_mask=None):
        require_ndim(self, student, (4,), "student")
        require_same_shape(self, student, teacher)
        teacher = teacher.detach()
        n, _, h, w = teacher.shape
        if fg_mask is None:
            fg_mask = teacher.new_ones((n, h, w))
        else:
            require(
                tuple(fg_mask.shape) == (n, h, w),
                self,
                f"fg_mask must have shape {(n, h, w)} for features of shape {tuple(teacher.shape)}, "
                f"got {tuple(fg_mask.shape)}",
            )
            fg_mask = fg_mask.to(device=teacher.device, dtype=teacher.dtype)
        bg_mask = 1.0 - fg_mask

        spatial_t, channel_t = spatial_and_channel_attention(teacher, self.temperature)
        spatial_s, channel_s = spatial_and_channel_attention(student, self.temperature)

        weighted = (teacher - student).pow(2) * channel_t[:, :, None, None] * spatial_t[:, None]
        weighted = weighted.sum(dim=1)  # (N, H, W)
        fg_loss = (weighted * fg_mask).sum(dim=(1, 2)) / fg_mask.sum(dim=(1, 2)).clamp(min=1)
        bg_loss = (weighted * bg_mask).sum(dim=(1, 2)) / bg_mask.sum(dim=(1, 2)).clamp(min=1)
        feature_loss = self.alpha * fg_loss.mean() + self.beta * bg_loss.mean()

        attention_loss = (spatial_t - spatial_s).abs().sum(dim=(1, 2)) + (channel_t - channel_s).abs().sum(dim=1)
        return feature_loss + self.gamma * attention_loss.mean()
