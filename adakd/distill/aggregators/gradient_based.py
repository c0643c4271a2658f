"""The base of every aggregator that combines per-path gradients (Eq. 4 and the multitask balancers that
followed it): each step it takes the Gram matrix of the path gradients (exact over the student's shared
parameters, or at a shared representation: see ``path_gradients.py``) and turns it into per-path weights
``v``; the objective is α · Σ v_i L_i with ``v`` detached. Every direction these methods take is a linear
combination Σ v_i g_i of the path gradients, so expressing it as loss weights leaves detectron2's trainer
(one ``losses.sum().backward()``) and ``path_weights()`` unchanged.
"""
import torch

from ..path_gradients import PathGradients
from .base import PathAggregator


def representation_taps(representation):
    """None, a tap, or a list of taps → None or a list of taps."""
    if representation is None:
        return None
    taps = [representation] if isinstance(representation, str) else list(representation)
    if not taps or not all(isinstance(t, str) and t for t in taps):
        raise ValueError(f"representation must be a student tap or a list of them, got {representation!r}")
    return taps


class GradientAggregator(PathAggregator):
    """Subclasses define ``weights_from_gram(gram, path_losses)`` → 1-D tensor of K weights (or their own
    ``forward``); one whose method is defined on the exact gradients only sets ``takes_representation = False``."""

    takes_representation = True

    def __init__(self, path_names, params=None, representation=None, alpha=1.0, initial_weight=1.0):
        """
        Args:
            params: the student's shared parameters (exact mode); the Distiller passes the student's
                trainable parameters.
            representation: a student tap (or list of taps) that every path's loss depends on; with it, the
                gradients are taken there (MGDA-UB) instead of over ``params``.
        """
        super().__init__(path_names, alpha)
        if representation is not None and not self.takes_representation:
            raise ValueError(f"{type(self).__name__} balances the exact gradients over the student's parameters; it "
                             f"takes no `representation`")
        self.representation = representation_taps(representation)
        params = [p for p in (params or []) if p.requires_grad]
        if self.representation is None and not params:
            raise ValueError(
                f"{type(self).__name__} needs `params`, the student parameters over which each path's gradient "
                f"is taken" + (", or a shared `representation` (a student tap)" if self.takes_representation else "")
            )
        self.gradients = PathGradients(params)
        self.register_buffer("last_weights", torch.full((len(self.path_names),), float(initial_weight)),
                             persistent=False)

    def weights_from_gram(self, gram, path_losses):
        raise NotImplementedError

    def path_gram(self, losses, representation=None):
        """The Gram matrix of the path gradients; ``losses``: {path: loss} as given to ``forward``."""
        if self.representation is not None and representation is None:
            raise ValueError(f"{type(self).__name__} works at the representation {self.representation}, but was "
                             "given no recorded representation (run it through a Distiller)")
        # Each path's own loss tensor, not a row of ``check_losses``' stacked tensor: the backward of a row goes
        # through the stack and carries zeros back through every other path's graph.
        separate = [losses[name].reshape(()) for name in self.path_names]
        return self.gradients.gram(separate, representation if self.representation else None,
                                   names=self.path_names)

    def weights(self):
        return self.last_weights

    def forward(self, losses, representation=None):
        path_losses = self.check_losses(losses)
        if self.training and torch.is_grad_enabled():
            gram = self.path_gram(losses, representation)
            weights = self.weights_from_gram(gram, path_losses.detach().double())
            self.last_weights = weights.to(self.last_weights)
        return self.weighted_terms(path_losses, self.last_weights.to(path_losses).detach())

    def extra_repr(self):
        mode = f"representation={self.representation}" if self.representation else "exact"
        return f"{super().extra_repr()}, gradients: {mode}"
