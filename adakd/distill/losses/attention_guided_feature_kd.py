"""Attention-guided and non-local feature distillation of Zhang & Ma, "Improve Object Detection with
Feature-based Knowledge Distillation: Towards Accurate and Efficient Detectors", ICLR 2021 (the seed
paper's ref. [75], its Feats_B / Feats_P paths)."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.profiler import record_function

from ...layers.non_local import NonLocalBlock2d
from ._checks import require, require_ndim


def spatial_and_channel_masks(features, temperature):
    """Zhang & Ma's attention masks (§3.2): ``(H*W * softmax_hw(mean_c |F| / T), C * softmax_c(mean_hw |F| / T))``,
    shapes (N, H, W) and (N, C); each averages to 1."""
    n, c, h, w = features.shape
    magnitude = features.abs()
    spatial = h * w * F.softmax(magnitude.mean(dim=1).reshape(n, -1) / temperature, dim=1)
    channel = c * F.softmax(magnitude.mean(dim=(2, 3)) / temperature, dim=1)
    return spatial.reshape(n, h, w), channel


class AttentionGuidedFeatureKDLoss(nn.Module):
    """Zhang & Ma's loss for one feature level, as their released code and mmrazor's FBKD compute it
    (``mmrazor/models/losses/fbkd_loss.py`` with ``models/architectures/connectors/fbkd_connector.py``).

    With teacher ``F_T`` (N, C_T, H, W) and student ``F_S`` (N, C_S, H, W), masks from *both* models
    (``spatial_and_channel_masks`` at temperature T), averaged and detached::

        M_S    = (spatial mask of F_T + spatial mask of F_S) / 2                     # (N, H, W)
        M_C    = (channel mask of F_T + channel mask of F_S) / 2  if channel_mask    # (N, C), else 1
        L_feat = feature_weight   * sqrt(sum_nchw M_S M_C (F_T - a(F_S))^2)          # attention-guided imitation
        L_chan = channel_weight   * || mean_hw F_T - l(mean_hw F_S) ||_2              # channel attention loss
        L_spat = spatial_weight   * || mean_c  F_T - s(mean_c  F_S) ||_2              # spatial attention loss
        L_nl   = non_local_weight * || r_T(F_T) - b(r_S(F_S)) ||_2                    # non-local distillation

    summed; every norm is over the whole batch (no mean over images). ``a`` and ``b`` are 1x1 convs
    C_S -> C_T, ``l`` a Linear C_S -> C_T, ``s`` a 3x3 conv on the one-channel mean map, ``r_S`` / ``r_T``
    non-local blocks (``NonLocalBlock2d``) on the student's and the teacher's features. All six modules
    are trainable and belong to the loss (the teacher's non-local block too: the teacher's own weights stay
    frozen, its features are detached). They are created by ``build`` from the two widths, which
    ``DistillPath.build_adapters`` calls before the optimizer exists, so the optimizer sees them; they are
    in the distilled model's ``state_dict`` but not in the exported student. The path's own adapter is
    not needed (``adapter=False``): ``a``, ``l``, ``b`` map the student's width to the teacher's, as in the
    authors' code, and the student's masks come from its unadapted features.

    The attention loss of the paper (an L1 between attention maps) is realised in the code as the two L2
    distances between pooled features above; that is what is computed here.

    Defaults are mmrazor's (``FBKDLoss`` and the FBKD connectors at the defaults of
    ``configs/distill/mmdet/fbkd/fbkd_fpn_faster-rcnn_r101_faster-rcnn_r50_1x_coco.py``, which match the
    authors' two-stage code): T = 0.5, weights 7e-5 / 4e-3 / 4e-3 / 7e-5, spatial mask only (mmrazor:
    the channel mask is "not used in the FBKD source code"). The authors' one-stage variant also multiplies
    by ``M_C`` (``channel_mask=True``, which needs C_S = C_T), with T = 0.1 and every weight x6.
    ``pool_stride`` / ``reduction`` size the non-local blocks per level (that config: 8 / 4 on the finest
    level, 4 / 4 on the next, 2 / 2 on the others). mmrazor's block max-pools twice (its NonLocal2d's own
    2x2 pool, then ``maxpool_stride``); the authors' block, and this one, pool once by ``pool_stride``.
    """

    def __init__(self, temperature=0.5, feature_weight=7e-5, channel_weight=4e-3, spatial_weight=4e-3,
                 non_local_weight=7e-5, pool_stride=2, reduction=2, channel_mask=False):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"AttentionGuidedFeatureKDLoss: temperature must be positive, got {temperature}")
        self.temperature = float(temperature)
        self.feature_weight = float(feature_weight)
        self.channel_weight = float(channel_weight)
        self.spatial_weight = float(spatial_weight)
        self.non_local_weight = float(non_local_weight)
        self.pool_stride = int(pool_stride)
        self.reduction = int(reduction)
        self.channel_mask = bool(channel_mask)
        self.student_channels = self.teacher_channels = None

    def build(self, student_channels, teacher_channels):
        """Creates the trainable modules for a student of ``student_channels`` and a teacher of
        ``teacher_channels`` channels (called once, before the optimizer is built)."""
        require(not self.channel_mask or student_channels == teacher_channels, self,
                f"channel_mask needs equal widths, got student {student_channels} and teacher {teacher_channels}")
        self.student_channels, self.teacher_channels = int(student_channels), int(teacher_channels)
        self.feature_adaptation = nn.Conv2d(student_channels, teacher_channels, 1)
        self.channel_adaptation = nn.Linear(student_channels, teacher_channels)
        self.spatial_adaptation = nn.Conv2d(1, 1, 3, padding=1)
        self.student_non_local = NonLocalBlock2d(student_channels, self.reduction, self.pool_stride)
        self.teacher_non_local = NonLocalBlock2d(teacher_channels, self.reduction, self.pool_stride)
        self.non_local_adaptation = nn.Conv2d(student_channels, teacher_channels, 1)
        return self

    def forward(self, student, teacher):
        require(self.student_channels is not None, self,
                "call build(student_channels, teacher_channels) first (DistillPath.build_adapters does)")
        require_ndim(self, student, (4,), "student")
        require_ndim(self, teacher, (4,), "teacher")
        require(
            student.shape[1] == self.student_channels and teacher.shape[1] == self.teacher_channels
            and student.shape[0] == teacher.shape[0] and student.shape[2:] == teacher.shape[2:],
            self,
            f"expected student (N, {self.student_channels}, H, W) and teacher (N, {self.teacher_channels}, H, W), "
            f"got student {tuple(student.shape)} and teacher {tuple(teacher.shape)}",
        )
        teacher = teacher.detach()
        spatial_t, channel_t = spatial_and_channel_masks(teacher, self.temperature)
        spatial_s, channel_s = spatial_and_channel_masks(student.detach(), self.temperature)
        mask = ((spatial_t + spatial_s) / 2)[:, None]  # (N, 1, H, W)
        if self.channel_mask:
            mask = mask * ((channel_t + channel_s) / 2)[:, :, None, None]
        # sqrt(sum M d^2) as the norm of sqrt(M) d: the same value, and a zero (not NaN) gradient at d = 0.
        feature = torch.linalg.vector_norm((teacher - self.feature_adaptation(student)) * mask.sqrt())

        channel = torch.dist(teacher.mean(dim=(2, 3)), self.channel_adaptation(student.mean(dim=(2, 3))))
        spatial_s = self.spatial_adaptation(student.mean(dim=1, keepdim=True))
        spatial = torch.dist(teacher.mean(dim=1, keepdim=True), spatial_s)
        with record_function("adakd::non_local"):
            relation_s = self.non_local_adaptation(self.student_non_local(student))
            non_local = torch.dist(self.teacher_non_local(teacher), relation_s)
        return (self.feature_weight * feature + self.channel_weight * channel + self.spatial_weight * spatial
                + self.non_local_weight * non_local)
