"""Aligned-MTL (Senushkin, Patakin, Kuznetsov & Konushin, CVPR 2023, "Independent Component Alignment for
Multi-Task Learning"): the path gradients G (K rows) are replaced by the closest matrix whose rows are
orthogonal and of equal norm, scaled by the smallest singular value, and the step is the sum of those rows.
With the Gram matrix M = G Gᵀ = V Λ Vᵀ (eigenvalues above the rank tolerance, largest first), that step is
Σ_i α_i g_i with α = (√λ_min · V Λ^{-1/2} Vᵀ) summed over its rows (LibMTL's ``Aligned_MTL``, from the
authors' code), so the weights come from the Gram matrix alone. Aligned-MTL has no hyper-parameter.
"""
import torch

from .gradient_based import GradientAggregator


def aligned_mtl_weights(gram):
    """(K, K) Gram matrix → α (float64); zero where no path gradient reaches the student."""
    gram = gram.detach().double().cpu()
    K = gram.shape[0]
    eigenvalues, vectors = torch.linalg.eigh(gram)
    if float(eigenvalues.max()) <= 0:
        return torch.zeros(K, dtype=torch.float64)
    tolerance = float(eigenvalues.max()) * K * torch.finfo(torch.float32).eps  # the reference's default dtype
    keep = torch.argsort(eigenvalues, descending=True)[: int((eigenvalues > tolerance).sum())]
    eigenvalues, vectors = eigenvalues[keep], vectors[:, keep]
    balanced = eigenvalues[-1].sqrt() * (vectors / eigenvalues.sqrt()) @ vectors.T
    return balanced.sum(dim=0)


class AlignedMTLAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None):
        super().__init__(path_names, params, representation, alpha, initial_weight=1.0)

    def weights_from_gram(self, gram, path_losses):
        return aligned_mtl_weights(gram)
