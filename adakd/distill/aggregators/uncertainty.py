"""Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018, §3.2, Eq. 7).

Each path i has a learnable log-variance s_i = log σ_i²; the objective is
α · Σ_i (e^{-s_i} L_i / 2 + s_i / 2), the Gaussian-likelihood form of their Eq. 7 (1/(2σ²) L + log σ) that
LibMTL applies to every task. ∂/∂s_i = α (1 − e^{-s_i} L_i) / 2, so the weight v_i = e^{-s_i} / 2 tends to
1 / (2 E[L_i]): the paper's adaptive weighting (Eq. 5) is the same model up to the factor 1/2.
s starts at ``init_log_variance`` (0: σ = 1, v = 1/2; the paper gives no initial value) and is trained by
the main optimizer; exclude it from weight decay with ``NO_WEIGHT_DECAY``.
"""
import math

import torch
from torch import nn

from .base import PathAggregator


class UncertaintyAggregator(PathAggregator):
    def __init__(self, path_names, alpha=1.0, init_log_variance=0.0):
        super().__init__(path_names, alpha)
        if not (isinstance(init_log_variance, (int, float)) and math.isfinite(init_log_variance)):
            raise ValueError(f"UncertaintyAggregator: init_log_variance must be a finite number, got "
                             f"{init_log_variance!r}")
        self.log_variances = nn.Parameter(torch.full((len(self.path_names),), float(init_log_variance)))

    def weights(self):
        return 0.5 * torch.exp(-self.log_variances)

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        s = self.log_variances
        terms = self.weighted_terms(path_losses, (0.5 * torch.exp(-s)).to(path_losses))
        terms["loss_distill_weight_reg"] = self.alpha * 0.5 * s.sum()
        return terms
