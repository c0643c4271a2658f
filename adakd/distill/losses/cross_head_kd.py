"""CrossKD for GFL: the student's head features run through the teacher's remaining head layers, and those
cross-head predictions mimic the teacher's own."""

import torch
import torch.nn.functional as F
from fvcore.nn import giou_loss
from torch import nn

from ...layers.gfl_losses import integral_distances
from ...modeling.meta_arch.gfl import mean_over_processes
from ._checks import require
from .pearson_feature_kd import standardise_channels


def _align_to_teacher(student, teacher, eps=1e-6):
    """Per channel over (N, H, W): the student standardised (unbiased std + eps), then given the teacher's mean
    and unbiased std, so that the teacher's layers receive inputs of the scale they were trained on."""
    t = teacher.transpose(0, 1).flatten(1)
    s = standardise_channels(student, eps) * t.std(dim=1, keepdim=True) + t.mean(dim=1, keepdim=True)
    return s.reshape(student.shape[1], student.shape[0], *student.shape[2:]).transpose(0, 1)


def _rows(x, width):
    """(N, C, H, W) -> (N*H*W*C/width, width), locations in (n, h, w) order."""
    return x.permute(0, 2, 3, 1).reshape(-1, width)


class CrossKDGFLLoss(nn.Module):
    """Wang et al., "CrossKD: Cross-Head Knowledge Distillation for Object Detection", CVPR 2024, for GFL heads,
    as the authors' ``CrossKDGFL`` computes it (jbwang1997/CrossKD, ``mmdet/models/detectors/crosskd_gfl.py``,
    config ``configs/crosskd/crosskd_r50_gflv1_r101-2x-ms_fpn_1x_coco.py``).

    At every FPN level, the student's classification and box towers are read after the norm of their
    ``reused``-th conv (before its ReLU: ``held_layer``, the index of that norm in detectron2-style
    ``[conv, norm, ReLU] x n`` towers), aligned per channel to the teacher's statistics at the same point, put
    through the ReLU and the teacher's remaining tower layers and predictors (frozen; gradients reach the
    student's features only). These cross-head predictions are compared with the teacher's own predictions,
    at every location (defaults: the authors' weights and reused conv 3 of 4, T = 1, β = 1):

    - classification: KD quality focal loss, BCE(σ(teacher)) × |σ(cross) − σ(teacher)|^β, summed and divided
      by the number of ATSS positives (averaged over processes, as GFL's own loss; at least 1) × ``cls_weight``;
    - box distributions: KL(teacher ‖ cross) at temperature T summed over the bins, per edge, weighted by the
      teacher's max class score, summed / 4 × ``reg_weight``, and the GIoU loss of the decoded boxes weighted
      the same × ``box_weight``; both divided by the sum of those weights.

    The path gives one layer of several taps: the student's held classification features of every level,
    then its held box features; the teacher's same two sets, then its classification logits and box logits
    of every level. ``positive`` is DistillGFL's ``box_positive`` (one (N, H, W) mask per level). The
    teacher's head is bound with ``bind_teacher``; it is not a submodule, so it never enters the student's
    checkpoint or optimizer.
    """

    def __init__(self, held_layer=7, cls_weight=1.0, reg_weight=3.0, box_weight=2.0, beta=1.0, temperature=1.0):
        super().__init__()
        self.held_layer = held_layer
        self.cls_weight, self.reg_weight, self.box_weight = cls_weight, reg_weight, box_weight
        self.beta = beta
        self.temperature = temperature
        self._teacher_head = None

    def bind_teacher(self, teacher):
        head = teacher.head
        for tower in ("cls_subnet", "bbox_subnet"):
            layers = getattr(head, tower)
            following = layers[self.held_layer + 1] if len(layers) > self.held_layer + 1 else None
            require(isinstance(following, nn.ReLU), self,
                    f"the teacher's head.{tower}[{self.held_layer}] must be followed by a ReLU (held_layer is the "
                    f"norm before a conv's ReLU), got "
                    f"{type(following).__name__ if following is not None else 'the end of the tower'}")
        self.reg_max = head.reg_max
        object.__setattr__(self, "_teacher_head", head)  # not registered: frozen, never saved or optimised

    def _cross_predictions(self, level, student_cls, student_box, teacher_cls, teacher_box):
        head = self._teacher_head
        cls = F.relu(_align_to_teacher(student_cls, teacher_cls))
        box = F.relu(_align_to_teacher(student_box, teacher_box))
        cls = head.cls_score(head.cls_subnet[self.held_layer + 2:](cls))
        box = head.scales[level](head.bbox_pred(head.bbox_subnet[self.held_layer + 2:](box)))
        return cls, box

    def forward(self, student, teacher, positive):
        require(self._teacher_head is not None, self, "no teacher head bound (the Distiller binds it)")
        levels = len(positive)
        require(len(student) == 2 * levels and len(teacher) == 4 * levels, self,
                f"expected 2 student and 4 teacher taps per level for {levels} levels, got {len(student)} and "
                f"{len(teacher)}")
        cls_sum, reg_sum, box_sum, weight_sum = 0.0, 0.0, 0.0, 0.0
        bins = self.reg_max + 1
        for level in range(levels):
            s_cls, s_box = student[level], student[levels + level]
            t_cls, t_box = teacher[level], teacher[levels + level]
            t_logits, t_edges = teacher[2 * levels + level], teacher[3 * levels + level]
            for s, t, what in ((s_cls, t_cls, "classification"), (s_box, t_box, "box")):
                require(s.shape == t.shape, self, f"level {level}: student and teacher {what} features must have "
                                                  f"the same shape, got {tuple(s.shape)} and {tuple(t.shape)}")
            cross_logits, cross_edges = self._cross_predictions(level, s_cls, s_box, t_cls, t_box)
            num_classes = t_logits.shape[1]
            cross_logits, t_logits = _rows(cross_logits, num_classes), _rows(t_logits, num_classes)
            target = t_logits.sigmoid()
            focal = (cross_logits.sigmoid() - target).abs().pow(self.beta)
            cls_sum = cls_sum + (F.binary_cross_entropy_with_logits(cross_logits, target, reduction="none")
                                 * focal).sum()

            weight = target.max(dim=1).values  # the teacher's max class score at each location
            T = self.temperature
            cross_bins, t_bins = _rows(cross_edges, bins), _rows(t_edges, bins)  # one row per edge
            kl = F.kl_div(F.log_softmax(cross_bins / T, dim=1), F.softmax(t_bins / T, dim=1),
                          reduction="none").sum(dim=1) * T * T
            reg_sum = reg_sum + (kl * weight.repeat_interleave(4)).sum() / 4
            # Boxes in strides around a common centre (GIoU does not depend on where the centre is).
            cross_d = integral_distances(cross_bins.reshape(-1, 4, bins))
            t_d = integral_distances(t_bins.reshape(-1, 4, bins))
            boxes = [torch.cat([-d[:, :2], d[:, 2:]], dim=1) for d in (cross_d, t_d)]
            box_sum = box_sum + (giou_loss(*boxes, reduction="none") * weight).sum()
            weight_sum = weight_sum + weight.sum()
        num_positive = mean_over_processes(sum(p.sum() for p in positive).float()).clamp(min=1.0)
        return (self.cls_weight * cls_sum / num_positive
                + (self.reg_weight * reg_sum + self.box_weight * box_sum) / weight_sum.clamp(min=1e-12))
