"""CAGrad, conflict-averse gradient descent (Liu, Liu, Jin, Stone & Liu, NeurIPS 2021, §3, Algorithm 1).

With g_0 the average path gradient, CAGrad steps along the d that maximises the worst path's improvement
min_i g_i·d within the ball ‖d − g_0‖ ≤ c ‖g_0‖. Its dual: w* = argmin_{w ∈ Δ} g_wᵀ g_0 + √φ ‖g_w‖,
g_w = Σ w_i g_i, φ = c² ‖g_0‖²; then d = g_0 + (√φ / ‖g_w‖) g_w, a combination of the path gradients with
weights v_i = 1/K + √φ w*_i / ‖g_w‖. The step is rescaled by 1 / (1 + c²) (the authors' release, rescale=1),
and c = 0.4 (the authors' NYUv2 run scripts, ``--alpha 0.4``). c = 0 gives the average gradient. The dual is
solved on the Gram matrix with scipy's SLSQP.
"""
import numpy as np
import torch
from scipy.optimize import minimize

from .gradient_based import GradientAggregator


def cagrad_weights(gram, c=0.4, rescale=True):
    """(K, K) Gram matrix → weights v with d = Σ v_i g_i (float64)."""
    gram_np = gram.detach().double().cpu().numpy()
    K = gram_np.shape[0]
    average = np.full(K, 1.0 / K)
    sqrt_phi = c * np.sqrt(max(average @ gram_np @ average, 0.0))
    if sqrt_phi > 0:
        def objective(w):  # g_wᵀ g_0 + √φ ‖g_w‖
            return w @ gram_np @ average + sqrt_phi * np.sqrt(max(w @ gram_np @ w, 0.0) + 1e-16)

        result = minimize(objective, average, bounds=[(0.0, 1.0)] * K,
                          constraints=({"type": "eq", "fun": lambda w: 1.0 - w.sum()},), method="SLSQP")
        w = np.clip(result.x, 0.0, None)
        norm_w = np.sqrt(max(w @ gram_np @ w, 0.0))
        weights = average + (sqrt_phi / norm_w) * w if norm_w > 0 else average
    else:
        weights = average
    if rescale:
        weights = weights / (1.0 + c ** 2)
    return torch.from_numpy(np.asarray(weights, dtype=np.float64))


class CAGradAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None, c=0.4, rescale=True):
        super().__init__(path_names, params, representation, alpha, initial_weight=1.0 / len(list(path_names)))
        if not c >= 0:
            raise ValueError(f"CAGradAggregator: c must be >= 0, got {c!r}")
        self.c = float(c)
        self.rescale = bool(rescale)

    def weights_from_gram(self, gram, path_losses):
        return cagrad_weights(gram, self.c, self.rescale)

    def extra_repr(self):
        return f"{super().extra_repr()}, c={self.c}, rescale={self.rescale}"
