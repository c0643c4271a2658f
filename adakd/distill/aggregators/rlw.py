"""Random loss weighting, RLW (Lin, Ye, Xu, Shi & Zhang, TMLR 2022, "Reasonable Effectiveness of Random
Weighting"), the sanity baseline every balancer should beat: each step the path weights are drawn afresh,
v = softmax(λ) with λ ~ N(0, I) (LibMTL's ``RLW`` with its default normal distribution), so they sum to 1.

The draws come from a generator of their own, seeded by ``seed`` and the iteration: they leave the training's
random streams alone, are the same on every data-parallel process, and a resumed run draws what the
uninterrupted one drew, with no state to save. Outside training (no iteration) the weights are the mean of the
distribution, 1/K each.
"""
import torch

from ...utils.events import current_iteration
from .base import PerStepAggregator


def rlw_weights(num_paths, seed, iteration):
    """softmax of K standard normal draws from a generator seeded by (seed, iteration)."""
    generator = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(iteration))
    return torch.softmax(torch.randn(num_paths, generator=generator, dtype=torch.float64), dim=0)


class RLWAggregator(PerStepAggregator):
    def __init__(self, path_names, alpha=1.0, seed=0):
        super().__init__(path_names, alpha)
        if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
            raise ValueError(f"RLWAggregator: seed must be an integer >= 0, got {seed!r}")
        self.seed = seed

    def step_weights(self, path_losses):
        iteration = current_iteration()
        return rlw_weights(len(self.path_names), self.seed, iteration) if isinstance(iteration, int) else None

    def extra_repr(self):
        return f"{super().extra_repr()}, seed={self.seed}"
