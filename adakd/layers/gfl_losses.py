"""The losses and decoding of Generalized Focal Loss (Li et al., NeurIPS 2020), which fvcore lacks."""
import torch
import torch.nn.functional as F


def quality_focal_loss(logits, quality_targets, beta=2.0):
    """Quality Focal Loss (GFL Eq. 6): per element, −|y − σ|^β · ((1 − y) log(1 − σ) + y log σ).

    Args:
        logits: (M, K) classification logits.
        quality_targets: (M, K) soft targets y in [0, 1]: the IoU of the predicted box with its ground truth
            at the ground-truth class of positive locations, 0 elsewhere.
    Returns:
        (M, K) unreduced loss.
    """
    sigma = logits.sigmoid()
    bce = F.binary_cross_entropy_with_logits(logits, quality_targets, reduction="none")
    return bce * (quality_targets - sigma).abs().pow(beta)


def distribution_focal_loss(edge_logits, edge_targets):
    """Distribution Focal Loss (GFL Eq. 7): −((y_{i+1} − y) log S_i + (y − y_i) log S_{i+1}).

    Args:
        edge_logits: (M, n_bins) logits of the discretised distance of one box edge, bins 0..n_bins-1.
        edge_targets: (M,) real-valued distances in [0, n_bins − 1).
    Returns:
        (M,) unreduced loss.
    """
    left = edge_targets.floor().long()
    right = left + 1
    weight_left = right.float() - edge_targets
    weight_right = edge_targets - left.float()
    log_probs = F.log_softmax(edge_logits, dim=1)
    return -(weight_left * log_probs.gather(1, left[:, None])[:, 0] + weight_right * log_probs.gather(1, right[:, None])[:, 0])


def integral_distances(edge_logits):
    """The expected distance Σ_i i · softmax(logits)_i over the last dimension (GFL's integral decoding)."""
    bins = torch.arange(edge_logits.shape[-1], dtype=edge_logits.dtype, device=edge_logits.device)
    return (F.softmax(edge_logits, dim=-1) * bins).sum(dim=-1)
