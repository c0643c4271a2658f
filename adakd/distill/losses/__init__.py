"""Distillation path losses: one ``nn.Module`` per path, each ``forward(student, teacher, ...) -> scalar``.

Every loss detaches the teacher, so gradients reach only the student (and its adapters).
"""

from .attention_guided_feature_kd import AttentionGuidedFeatureKDLoss
from .attention_transfer import AttentionTransferLoss
from .cross_head_kd import CrossKDGFLLoss
from .feature_map import FeatureMapLoss
from .l2_logit import L2LogitLoss
from .localization_distillation import LocalizationDistillationLoss
from .neuron_selectivity_mmd import NSTMMDLoss
from .neuron_selectivity_transfer import NSTLoss
from .overhaul_feature_distillation import OFDLoss
from .pearson_feature_kd import PKDLoss
from .soft_target import SoftTargetLoss
from .softmax_regression import SoftmaxRegressionLoss
from .teacher_bounded_regression import TeacherBoundedRegressionLoss

__all__ = [
    "AttentionGuidedFeatureKDLoss",
    "AttentionTransferLoss",
    "CrossKDGFLLoss",
    "FeatureMapLoss",
    "L2LogitLoss",
    "LocalizationDistillationLoss",
    "NSTLoss",
    "NSTMMDLoss",
    "OFDLoss",
    "PKDLoss",
    "SoftTargetLoss",
    "SoftmaxRegressionLoss",
    "TeacherBoundedRegressionLoss",
]
