"""IMTL-G, impartial gradient weighting (Liu, Li, Kuang, Xue, Chen, Yang, Liao & Zhang, ICLR 2021, §3,
"gradient balance").

The combined gradient g = Σ_i α_i g_i (Σ α_i = 1) has equal projections on every unit path gradient
u_i = g_i / ‖g_i‖: g·u_1 = g·u_t for all t. Their closed form: α_{2:K} = g_1 Uᵀ (D Uᵀ)⁻¹, α_1 = 1 − Σ α_{2:K},
with rows D_t = g_1 − g_t and U_t = u_1 − u_t; every product there is a Gram entry divided by norms, so the
weights come from the Gram matrix alone. IMTL-G has no hyper-parameter. Paths whose gradient is zero
(they do not reach the student) get weight 0.
"""
import torch

from .gradient_based import GradientAggregator


def imtl_g_weights(gram):
    """(K, K) Gram matrix → α (float64) with (Σ α_i g_i)·u_t equal for every t and Σ α = 1."""
    gram = gram.detach().double().cpu()
    K = gram.shape[0]
    norms = gram.diagonal().clamp(min=0).sqrt()
    live = (norms > 0).nonzero().flatten()
    weights = torch.zeros(K, dtype=torch.float64)
    if len(live) == 0:
        return weights
    gram, norms = gram[live][:, live], norms[live]
    if len(live) == 1:
        weights[live] = 1.0
        return weights
    g_dot_u = gram / norms[None, :]  # [s, t] = g_s · u_t
    g1_U = g_dot_u[0, 0] - g_dot_u[0, 1:]  # g_1 · (u_1 − u_t)
    # (D Uᵀ)[s, t] = (g_1 − g_s) · (u_1 − u_t)
    D_U = (g_dot_u[0, 0] - g_dot_u[0, 1:])[None, :] - (g_dot_u[1:, 0:1] - g_dot_u[1:, 1:])
    # α Mᵀ = b for a row vector α, i.e. M α = b with M = (D Uᵀ)ᵀ; least squares tolerates parallel gradients.
    rest = torch.linalg.lstsq(D_U.T, g1_U[:, None]).solution.flatten()
    weights[live] = torch.cat([(1 - rest.sum())[None], rest])
    return weights


class IMTLGAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None):
        super().__init__(path_names, params, representation, alpha, initial_weight=1.0 / len(list(path_names)))

    def weights_from_gram(self, gram, path_losses):
        return imtl_g_weights(gram)
