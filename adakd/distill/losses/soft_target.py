"""Soft-target (logit) distillation for classification, dense segmentation and detection logits."""

import torch
import torch.nn.functional as F

from ..path import PooledLoss
from ._checks import require, require_ndim, require_same_shape

ACTIVATIONS = ("softmax", "sigmoid")


class SoftTargetLoss(PooledLoss):
    """Soft targets of Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", 2015 (Sec. 2):
    the student matches the teacher's temperature-softened outputs, with the loss scaled by ``T^2`` so its
    gradients keep their magnitude as ``T`` changes.

    ``activation="softmax"`` (mutually exclusive classes), per location::

        T^2 * KL(softmax(t/T) || softmax(s/T)) = T^2 * sum_k p_k (log p_k - log q_k)

    ``activation="sigmoid"`` (independent binary classes, e.g. RetinaNet/GFL classification logits), per
    location, with ``p = sigmoid(t/T)``, ``q = sigmoid(s/T)``::

        T^2 * sum_k [p_k log(p_k/q_k) + (1-p_k) log((1-p_k)/(1-q_k))]

    Logits are (N, C) or dense (N, C, H, W) with classes on dim 1; dense maps are treated as N*H*W
    locations. The loss is the mean over locations. ``valid`` (bool, (N,) or (N, H, W)) drops locations,
    e.g. pixels with the segmentation ignore label; when none is valid the loss is a zero that is still
    connected to ``student``. A path over several dense maps (a detector's levels) takes the mean over the
    locations of all of them together (a pooled loss).
    """

    def __init__(self, temperature=4.0, activation="softmax"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"SoftTargetLoss: unknown activation {activation!r}; valid ones are {ACTIVATIONS}")
        if temperature <= 0:
            raise ValueError(f"SoftTargetLoss: temperature must be positive, got {temperature}")
        self.temperature = float(temperature)
        self.activation = activation

    def sum_and_count(self, student, teacher, valid=None):
        require_ndim(self, student, (2, 4), "student logits")
        require_same_shape(self, student, teacher)
        teacher = teacher.detach()
        # One location per sample for (N, C), per pixel for (N, C, H, W).
        location_shape = (student.shape[0], *student.shape[2:])
        if valid is not None:
            require(
                tuple(valid.shape) == location_shape,
                self,
                f"valid must have shape {location_shape} for logits of shape {tuple(student.shape)}, "
                f"got {tuple(valid.shape)}",
            )
        num_classes = student.shape[1]
        if student.dim() == 4:
            # (N, C, H, W) -> (N*H*W, C), in the same order as valid.reshape(-1).
            student = student.permute(0, 2, 3, 1).reshape(-1, num_classes)
            teacher = teacher.permute(0, 2, 3, 1).reshape(-1, num_classes)
        per_location = self._divergence(student / self.temperature, teacher / self.temperature)
        per_location = per_location * self.temperature**2
        if valid is None:
            return per_location.sum(), per_location.new_tensor(float(per_location.numel()))
        valid = valid.reshape(-1).bool()
        # torch.where rather than indexing: no host sync, and a zero still tied to student when none is valid.
        kept = torch.where(valid, per_location, per_location.new_zeros(()))
        return kept.sum(), valid.sum().to(kept.dtype)

    def _divergence(self, student, teacher):
        if self.activation == "softmax":
            log_q = F.log_softmax(student, dim=1)
            log_p = F.log_softmax(teacher, dim=1)
            return (log_p.exp() * (log_p - log_q)).sum(dim=1)
        # log(1 - sigmoid(x)) = logsigmoid(-x), stable for large |x|.
        log_p, log_not_p = F.logsigmoid(teacher), F.logsigmoid(-teacher)
        log_q, log_not_q = F.logsigmoid(student), F.logsigmoid(-student)
        p = log_p.exp()
        return (p * (log_p - log_q) + (1.0 - p) * (log_not_p - log_not_q)).sum(dim=1)
