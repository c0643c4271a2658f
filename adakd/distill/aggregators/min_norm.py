"""The min-norm point of the convex hull of gradients (the paper's Eq. 4, after Désidéri's MGDA and
Sener & Koltun, NeurIPS 2018): v* = argmin_{v ∈ Δ_K} ‖Σ_i v_i g_i‖².

Two gradients have a closed form; more are solved by Frank–Wolfe on the Gram matrix. The resulting
direction d = Σ v*_i g_i satisfies d·g_i ≥ ‖d‖² ≥ 0 for every i: it does not harm any path.
"""
import torch


def _two_point(gram_11, gram_12, gram_22):
    """γ minimising ‖γ g1 + (1-γ) g2‖² over [0, 1], from the Gram entries."""
    denominator = gram_11 - 2 * gram_12 + gram_22  # ‖g1 - g2‖²
    if denominator <= 1e-20:
        return 0.5
    return float(min(max((gram_22 - gram_12) / denominator, 0.0), 1.0))


def min_norm_weights(grads, max_iter=250, tol=1e-7):
    """``grads``: list of K 1-D tensors of one length → 1-D tensor v on the simplex (v ≥ 0, Σv = 1)."""
    if len(grads) == 0:
        raise ValueError("min_norm_weights needs at least one gradient")
    lengths = {g.numel() for g in grads}
    if len(lengths) != 1 or any(g.dim() != 1 for g in grads):
        raise ValueError(f"min_norm_weights needs 1-D gradients of one length, got shapes {[tuple(g.shape) for g in grads]}")
    G = torch.stack([g.detach().double() for g in grads])
    return min_norm_weights_from_gram(G @ G.T, max_iter, tol).to(grads[0].dtype)


def min_norm_weights_from_gram(gram, max_iter=250, tol=1e-7):
    """The same from the (K, K) Gram matrix of the gradients; returns float64 weights."""
    gram = gram.detach().double().cpu()
    K = gram.shape[0]
    if K == 1:
        return torch.ones(1, dtype=torch.float64)
    if K == 2:
        gamma = _two_point(gram[0, 0].item(), gram[0, 1].item(), gram[1, 1].item())
        return torch.tensor([gamma, 1 - gamma], dtype=torch.float64)

    v = torch.full((K,), 1.0 / K, dtype=torch.float64)
    for _ in range(max_iter):
        gv = gram @ v
        t = int(torch.argmin(gv))
        # Line search between the current point u = Σ v_i g_i and the vertex g_t.
        gamma = _two_point(gram[t, t].item(), gv[t].item(), (v @ gv).item())
        step = torch.zeros_like(v)
        step[t] = 1.0
        new_v = gamma * step + (1 - gamma) * v
        if (new_v - v).abs().sum() < tol:
            v = new_v
            break
        v = new_v
    return v
