"""GradNorm (Chen, Badrinarayanan, Lee & Rabinovich, ICML 2018, §3.2).

Weights w_i > 0 with Σ w_i = K are learned so that each path's weighted gradient norm G_i = w_i ‖∇L_i‖ moves
toward Ḡ · r_i^a: Ḡ the mean of the G_i, r_i = L̃_i / mean(L̃) the path's inverse training rate,
L̃_i = L_i(t) / L_i(0), and a = 1.5 the asymmetry (LibMTL's default; the value the paper uses on NYUv2). The
paper's gradient loss L_grad = Σ_i |G_i − Ḡ r_i^a|, with the target held constant, is added as the
term ``loss_distill_gradnorm``: its gradient reaches only the weights (‖∇L_i‖ is detached), so the main
optimizer takes the paper's weight step. The paths' own terms are α · w_i L_i with w detached.

The paper renormalises w after each step to Σ w_i = K; here w = K · softmax(ξ) with ξ trained, which keeps
that sum and w > 0 at every step (LibMTL's parameterisation). ‖∇L_i‖ is over the student's shared
parameters (the paper takes the last shared layer), or at a shared ``representation``. Exclude ξ from weight
decay with ``NO_WEIGHT_DECAY``.
"""
import torch
from torch import nn

from ..path_gradients import average_over_processes
from .gradient_based import GradientAggregator


class GradNormAggregator(GradientAggregator):
    def __init__(self, path_names, params=None, alpha=1.0, representation=None, asymmetry=1.5):
        super().__init__(path_names, params, representation, alpha)
        if not asymmetry >= 0:
            raise ValueError(f"GradNormAggregator: asymmetry must be >= 0, got {asymmetry!r}")
        self.asymmetry = float(asymmetry)
        K = len(self.path_names)
        self.gradnorm_logits = nn.Parameter(torch.zeros(K))
        # L_i(0), set at the first training step (NaN until then); persistent so that a resumed run keeps it.
        self.register_buffer("initial_losses", torch.full((K,), float("nan"), dtype=torch.float64))

    def weights(self):
        return len(self.path_names) * torch.softmax(self.gradnorm_logits, dim=0)

    def forward(self, losses, representation=None):
        path_losses = self.check_losses(losses)
        weights = self.weights().to(path_losses)
        terms = self.weighted_terms(path_losses, weights.detach())
        if not (self.training and torch.is_grad_enabled()):
            return terms
        gram = self.path_gram(losses, representation)
        grad_norms = gram.diagonal().clamp(min=0).sqrt().to(weights)
        current = average_over_processes(path_losses.detach().double().clone())
        if torch.isnan(self.initial_losses).any():
            self.initial_losses = current.to(self.initial_losses)
        ratio = current / self.initial_losses.clamp(min=torch.finfo(torch.float64).tiny)
        inverse_rate = (ratio / ratio.mean()).to(weights)
        weighted_norms = weights * grad_norms
        target = (weighted_norms.mean() * inverse_rate ** self.asymmetry).detach()
        terms["loss_distill_gradnorm"] = (weighted_norms - target).abs().sum()
        return terms

    def extra_repr(self):
        return f"{super().extra_repr()}, asymmetry={self.asymmetry}"
