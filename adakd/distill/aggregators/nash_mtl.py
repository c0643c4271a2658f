"""Nash-MTL, multitask learning as a bargaining game (Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik &
Fetaya, ICML 2022, §3).

The Nash bargaining solution is the step Σ α_i g_i with α > 0 solving Gᵀ G α = 1/α, i.e. α_i (Gᵀ G α)_i = 1
for every path, where Gᵀ G is the Gram matrix of the path gradients. That is the stationary point of the
strictly convex f(α) = ½ αᵀ (GᵀG) α − Σ_i log α_i, found here by damped Newton steps in float64 (the authors
approximate it by a sequence of convex problems, 20 at most, solved with cvxpy). As the authors do, the Gram
matrix is divided by its norm first and α rescaled back. The authors' release also clips the shared
gradients to norm 1 after the step; detectron2 configs clip with their own hook (``engine/grad_clip.py``).
Paths whose gradient is zero get weight 0.
"""
import torch

from .gradient_based import GradientAggregator


def nash_weights(gram, max_iter=100, tol=1e-10):
    """(K, K) Gram matrix → α > 0 (float64) with α ⊙ (gram α) = 1."""
    gram = gram.detach().double().cpu()
    K = gram.shape[0]
    weights = torch.zeros(K, dtype=torch.float64)
    live = (gram.diagonal() > 0).nonzero().flatten()
    if len(live) == 0:
        return weights
    M = gram[live][:, live]
    scale = torch.linalg.norm(M)
    M = M / scale
    alpha = 1.0 / M.diagonal().sqrt()  # exact when the gradients are orthogonal

    def objective(a):
        return 0.5 * a @ M @ a - torch.log(a).sum()

    for _ in range(max_iter):
        gradient = M @ alpha - 1.0 / alpha
        if gradient.abs().max() < tol:
            break
        hessian = M + torch.diag(1.0 / alpha ** 2)
        step = torch.linalg.solve(hessian, gradient)
        t, current = 1.0, objective(alpha)
        while (alpha - t * step <= 0).any() or objective(alpha - t * step) > current - 0.25 * t * (gradient @ step):
            t *= 0.5
            if t < 1e-12:
                break
        alpha = alpha - t * step
    # α for M/scale solves α ⊙ (M α) = 1; α / √scale solves it for M.
    weights[live] = alpha / scale.sqrt()
    return weights


class NashMTLAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None):
        super().__init__(path_names, params, representation, alpha)

    def weights_from_gram(self, gram, path_losses):
        return nash_weights(gram)
