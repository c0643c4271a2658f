"""Distillation path losses: one ``nn.Module`` per path, each ``forward(student, teacher, ...) -> scalar``.

Every loss detaches the teacher, so gradients reach only the student (and its adapters).
"""

from .attention_transfer import AttentionTransferLoss
from .box_regression_kd import BoxRegressionKDLoss
from .feature_kd import FeatureKDLoss
from .feature_map import FeatureMapLoss
from .l2_logit import L2LogitLoss
from .localization_distillation import LocalizationDistillationLoss
from .neuron_selectivity_transfer import NSTLoss
from .soft_target import SoftTargetLoss
from .softmax_regression import SoftmaxRegressionLoss

__all__ = [
    "AttentionTransferLoss",
    "BoxRegressionKDLoss",
    "FeatureKDLoss",
    "FeatureMapLoss",
    "L2LogitLoss",
    "LocalizationDistillationLoss",
    "NSTLoss",
    "SoftTargetLoss",
    "SoftmaxRegressionLoss",
]
