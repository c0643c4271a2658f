"""PCGrad, gradient surgery (Yu, Kumar, Gupta, Levine, Hausman & Finn, NeurIPS 2020, §2.2, Algorithm 1).

Each path gradient g_i is projected, in a random order of the other paths j, onto the normal plane of every
g_j it conflicts with (g_i'·g_j < 0): g_i' ← g_i' − (g_i'·g_j / ‖g_j‖²) g_j; the step is Σ_i g_i'. Every
g_i' is a linear combination of the original gradients, so the step is Σ_j v_j g_j and v is computed on the
Gram matrix alone. The random order comes from the aggregator's own generator (``seed``), so every process
of a data-parallel run draws the same one. PCGrad has no hyper-parameter.
"""
import torch

from .gradient_based import GradientAggregator


def pcgrad_weights(gram, generator=None):
    """(K, K) Gram matrix → weights v with Σ_i g_i' = Σ_j v_j g_j (float64)."""
    gram = gram.detach().double().cpu()
    K = gram.shape[0]
    coefficients = torch.eye(K, dtype=torch.float64)  # row i: g_i' in the basis of the g_j
    for i in range(K):
        for j in torch.randperm(K, generator=generator).tolist():
            if j == i or gram[j, j] <= 0:
                continue
            dot = coefficients[i] @ gram[:, j]  # g_i' · g_j
            if dot < 0:
                coefficients[i, j] -= dot / gram[j, j]
    return coefficients.sum(0)


class PCGradAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None, seed=0):
        super().__init__(path_names, params, representation, alpha)
        self.generator = torch.Generator().manual_seed(int(seed))

    def weights_from_gram(self, gram, path_losses):
        return pcgrad_weights(gram, self.generator)
