"""Adaptive distillation (the paper's Section 3.5, Eq. 5).

Each path i has a learnable z_i with weight v_i = e^{-z_i}; the distillation objective is
α · (Σ_i v_i L_i + Σ_i z_i). The Σ z_i term keeps z from growing without bound (which would switch the
paths off); its gradient gives ∂/∂z_i = α (1 − e^{-z_i} L_i) (Eq. 6), so v_i tends to 1 / E[L_i].
z is trained by the main optimizer; exclude it from weight decay with ``NO_WEIGHT_DECAY``.
"""
import math

import torch
from torch import nn

from .base import PathAggregator, weights_vector

# For detectron2's get_default_optimizer_params(overrides=...): decay would pull z to 0 (v to 1); the same holds
# for the learned weights of the uncertainty and GradNorm aggregators.
NO_WEIGHT_DECAY = {name: {"weight_decay": 0.0} for name in ("neg_log_path_weights", "log_variances", "gradnorm_logits")}


class AdaptiveAggregator(PathAggregator):
    def __init__(self, path_names, alpha=1.0, init_weights=None):
        super().__init__(path_names, alpha)
        values = weights_vector(self.path_names, init_weights, owner=type(self).__name__)
        # z = -log v, so that training starts from the given weights (v = 1 by default).
        self.neg_log_path_weights = nn.Parameter(torch.tensor([-math.log(v) for v in values]))

    def weights(self):
        return torch.exp(-self.neg_log_path_weights)

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        z = self.neg_log_path_weights
        terms = self.weighted_terms(path_losses, torch.exp(-z).to(path_losses))
        terms["loss_distill_weight_reg"] = self.alpha * z.sum()
        return terms
