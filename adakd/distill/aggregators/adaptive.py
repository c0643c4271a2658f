"""Adaptive distillation (the paper's Section 3.5, Eq. 5).

Each path i has a learnable z_i with weight v_i = e^{-z_i}; the distillation objective is
α · (Σ_i v_i L_i + Σ_i z_i). The Σ z_i term keeps z from growing without bound (which would switch the
paths off); its gradient gives ∂/∂z_i = α (1 − e^{-z_i} L_i) (Eq. 6), so v_i tends to 1 / E[L_i].
z is trained by the main optimizer; exclude it from weight decay with ``NO_WEIGHT_DECAY``, or give it a learning
rate of its own with ``learned_weight_overrides(lr=...)``: under SGD (the paper) z moves by about lr·α per step
while v_i L_i ≪ 1, so v reaches 1 / L_i within the schedule; under Adam(W) every step moves z by at most about
lr, so the main learning rate of an AdamW recipe (1e-3) bounds v within e^±(Σ lr) ≈ e^±1 over a run.
"""
import math

import torch
from torch import nn

from .base import PathAggregator, weights_vector

# The aggregators' learned parameters: z here, the log-variances of uncertainty weighting, GradNorm's logits.
LEARNED_WEIGHT_PARAMETERS = ("neg_log_path_weights", "log_variances", "gradnorm_logits")


def learned_weight_overrides(lr=None):
    """``optimizer.params.overrides`` (detectron2's get_default_optimizer_params) for the aggregators' learned
    parameters: no weight decay (decay would pull z to 0, v to 1), and, when ``lr`` is given, that base
    learning rate instead of the optimizer's (the lr scheduler still multiplies it)."""
    if lr is not None and not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"learned_weight_overrides: lr must be a positive number, got {lr!r}")
    extra = {} if lr is None else {"lr": float(lr)}
    return {name: {"weight_decay": 0.0, **extra} for name in LEARNED_WEIGHT_PARAMETERS}


NO_WEIGHT_DECAY = learned_weight_overrides()


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
