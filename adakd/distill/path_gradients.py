"""Per-path gradients with respect to the student, and their Gram matrix: what the multiobjective aggregator
(Eq. 4), the gradient-combining balancers and the diagnostics all need.

Two modes:

- **exact**: each loss's gradient over the student's shared parameters, flattened (zeros where a loss does
  not reach a parameter), as Eq. 4 defines it. One backward through the student per loss.
- **representation** (MGDA-UB, Sener & Koltun, NeurIPS 2018, §3.3): each loss's gradient with respect to a
  shared representation ``z`` that every loss depends on (tapped student outputs). The backward stops at
  ``z``, so it is far cheaper; Sener & Koltun bound the exact problem by this one (their Theorem 1). When
  ``z`` is the only shared parameter the two are the same.

Under data parallelism every process must use the same weights, so the Gram matrix is that of the
global batch: in exact mode the gradients are averaged over processes before the products (the gradient of
the mean loss); in representation mode each process holds the gradients for its own samples' ``z``, which
are blocks of the global ``z``, so the global Gram matrix is the sum of the processes' Gram matrices divided
by world_size² (the global loss is the mean of the processes' losses).
"""
from typing import List, Optional, Sequence

import torch
import torch.distributed as dist


def world_size():
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def average_over_processes(tensor: torch.Tensor) -> torch.Tensor:
    """The mean of ``tensor`` over all processes (in place; unchanged in a single process)."""
    if world_size() > 1:
        dist.all_reduce(tensor)
        tensor /= world_size()
    return tensor


def flat_gradients(losses: Sequence[torch.Tensor], inputs: Sequence[torch.Tensor], names=None,
                   require_all=False) -> torch.Tensor:
    """(K, D): row i is the gradient of ``losses[i]`` over ``inputs``, flattened and concatenated.

    A loss that does not reach an input gets zeros there; with ``require_all`` a loss that reaches none of
    them raises ValueError naming it (``names[i]``)."""
    inputs = list(inputs)
    length = sum(x.numel() for x in inputs)
    rows = []
    for i, loss in enumerate(losses):
        if loss.requires_grad:
            grads = torch.autograd.grad(loss, inputs, retain_graph=True, allow_unused=True)
        else:
            grads = [None] * len(inputs)
        if require_all and all(g is None for g in grads):
            name = names[i] if names is not None else i
            raise ValueError(f"Distillation path {name!r} does not depend on the shared representation; "
                             f"choose a representation that every path's loss is computed from")
        if not inputs:
            rows.append(torch.zeros(0, device=loss.device))
            continue
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(x)).reshape(-1)
                               for g, x in zip(grads, inputs)]))
    if not rows:
        return torch.zeros(0, length)
    return torch.stack(rows)


class PathGradients:
    """Gram matrices of per-path gradients, exact (over ``params``) or at a shared representation.

    Args:
        params: the student's shared parameters (exact mode). Held in a plain list: the student owns them.
    """

    def __init__(self, params=None):
        self.params = [p for p in (params or []) if p.requires_grad]

    def exact_gradients(self, losses, names=None) -> torch.Tensor:
        """(K, D) per-path gradients over ``params``, averaged over processes."""
        if not self.params:
            raise ValueError("Exact per-path gradients need the student's parameters (`params`), none given")
        return average_over_processes(flat_gradients(losses, self.params, names))

    def gram(self, losses: Sequence[torch.Tensor], representation: Optional[List[torch.Tensor]] = None,
             names=None) -> torch.Tensor:
        """(K, K) float64 Gram matrix ``G Gᵀ`` of the global batch's per-path gradients: exact over ``params``
        when ``representation`` is None, else with respect to the given representation tensors."""
        if representation is None:
            grads = self.exact_gradients(losses, names).double()
            return grads @ grads.T
        representation = [z for z in representation if isinstance(z, torch.Tensor) and z.requires_grad]
        if not representation:
            raise ValueError("The shared representation does not require grad: tap a student output that the "
                             "paths' losses are computed from")
        grads = flat_gradients(losses, representation, names, require_all=True).double()
        gram = grads @ grads.T
        if world_size() > 1:
            dist.all_reduce(gram)
            gram /= world_size() ** 2
        return gram
