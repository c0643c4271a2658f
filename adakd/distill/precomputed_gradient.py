"""Loss terms whose backward was already computed.

MGDA-UB (``path_gradients.py``) takes each path's gradient at a shared representation ``z`` before the
weights of the step are known. The same backward, asked also for the leaves between ``z`` and the loss (a
loss module's own layers, the head a path taps), holds everything the final backward would compute for that
path again: its gradient at ``z`` and at those leaves. ``precomputed_term`` turns it into a loss term whose
backward hands these gradients on, scaled by the term's weight, instead of traversing the path's graph a
second time; upstream of ``z`` the trainer's one backward carries on as usual. The result is the same
gradient as that of ``weight * loss``, which is what the tests check.

That holds only if the loss reaches the parameters upstream of ``z`` through ``z`` alone; ``graph_leaves``
finds out, and a path that also reaches them another way keeps its ordinary term.
"""
from typing import Iterable, List, Sequence

import torch


def graph_leaves(roots: Iterable, stop: Iterable = ()) -> List[torch.Tensor]:
    """The tensors requiring grad whose gradient autograd accumulates from the ``grad_fn`` nodes ``roots``,
    not going past the nodes in ``stop``."""
    stop = set(n for n in stop if n is not None)
    seen, leaves = set(), {}
    pending = [n for n in roots if n is not None]
    while pending:
        node = pending.pop()
        if node in seen or node in stop:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)  # AccumulateGrad: the leaf it accumulates into
        if variable is not None:
            leaves[id(variable)] = variable
        pending.extend(n for n, _ in node.next_functions if n is not None)
    return list(leaves.values())


class _PrecomputedGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, value, grads, *inputs):
        ctx.grads = grads
        return value.clone()

    @staticmethod
    def backward(ctx, grad_output):
        grads = tuple(None if g is None else grad_output.to(g.dtype) * g for g in ctx.grads)
        ctx.grads = None
        return (None, None) + grads


def precomputed_term(value: torch.Tensor, inputs: Sequence[torch.Tensor], grads: Sequence) -> torch.Tensor:
    """A scalar equal to ``value`` whose gradient with respect to ``inputs[k]`` is ``grads[k]`` (None: none).

    ``value`` and ``grads`` must already carry the term's weight."""
    if len(inputs) != len(grads):
        raise ValueError(f"precomputed_term got {len(inputs)} inputs but {len(grads)} gradients")
    return _PrecomputedGradient.apply(value.detach(), tuple(grads), *inputs)
