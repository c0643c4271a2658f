"""Multiobjective aggregation (the paper's Section 3.4, Eq. 4).

At every step the per-path gradients are combined by their min-norm convex combination v*; the objective is
α · Σ v*_i L_i with v* detached, so that the step is a descent direction for every path. The gradients are
either exact, over the shared student parameters (zeros where a path does not reach; one extra backward
through the student per path), or, with ``representation=``, taken at a shared student output that every path
depends on (MGDA-UB, Sener & Koltun, NeurIPS 2018, §3.3: the backward stops there). Under data parallelism
the Gram matrix is that of the global batch, so every process solves Eq. 4 alike (``path_gradients.py``).
"""
from .gradient_based import GradientAggregator
from .min_norm import min_norm_weights_from_gram


class MultiObjectiveAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None):
        super().__init__(path_names, params, representation, alpha, initial_weight=1.0 / len(list(path_names)))

    def weights_from_gram(self, gram, path_losses):
        return min_norm_weights_from_gram(gram)
