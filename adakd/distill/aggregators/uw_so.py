"""Soft optimal uncertainty weighting, UW-SO (Kirchdorfer et al., GCPR 2024, "Analytical Uncertainty-Based Loss
Weighting in Multi-Task Learning"; the authors' code: lukaskirchdorfer/MTL4PPM, src/weighting/UW_SO.py).

Uncertainty weighting's learned weight of a loss tends to 1/L (its closed-form optimum). UW-SO uses that optimum
directly and tempers it with a softmax: v = softmax((1 / (L + ε)) / T), ε = 1e-8, recomputed every step from
the current losses and detached, so Σ v = 1. T = 1 is the authors' default (their release's ``--T``).

It is the 1/L rule that the paper's Eq. 6 reaches at its fixed point (v_i → α / L_i), through a softmax: at
T = 1, paths with losses 0.01 and 1 get weights 1 − e^−99 and e^−99, so the smallest loss takes nearly all
the weight unless T is of the order of the 1/L differences.

Under data parallelism the losses are averaged over processes first, so every process uses the same weights
(those of the global batch). Nothing is trained and nothing is saved: a resumed run computes what the
uninterrupted one did. Outside training the weights are those of the last losses seen (1/K before any).
"""
import math

import torch

from ..path_gradients import average_over_processes
from .base import PerStepAggregator

EPSILON = 1e-8


def uw_so_weights(path_losses, temperature=1.0):
    """softmax((1 / (L + 1e-8)) / T) over the paths, in float64 (1/L of a tiny loss is large)."""
    inverse = 1.0 / (path_losses.detach().double() + EPSILON)
    return torch.softmax(inverse / temperature, dim=0)


class UWSOAggregator(PerStepAggregator):
    def __init__(self, path_names, alpha=1.0, temperature=1.0):
        super().__init__(path_names, alpha)
        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"UWSOAggregator: temperature must be a finite number > 0, got {temperature!r}")
        self.temperature = float(temperature)

    def step_weights(self, path_losses):
        # A copy: the all-reduce is in place, and float64 losses would otherwise share their storage.
        return uw_so_weights(average_over_processes(path_losses.to(torch.float64, copy=True)), self.temperature)

    def extra_repr(self):
        return f"{super().extra_repr()}, temperature={self.temperature}"
