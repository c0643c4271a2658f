"""Multiobjective aggregation (the paper's Section 3.4, Eq. 4).

At every step the per-path gradients over the shared student parameters (zeros where a path does not
reach) are combined by their min-norm convex combination v*; the objective is α · Σ v*_i L_i with v*
detached, so that the step is a descent direction for every path. Costs one extra backward per path.
Under data parallelism the per-path gradients are averaged over processes first, so that every process
solves Eq. 4 for the same (global-batch) gradients and uses the same weights.
"""
import torch
import torch.distributed as dist

from .base import PathAggregator
from .min_norm import min_norm_weights


class MultiObjectiveAggregator(PathAggregator):
    def __init__(self, path_names, params, alpha=1.0):
        super().__init__(path_names, alpha)
        if params is None:
            raise ValueError(
                "MultiObjectiveAggregator needs `params`, the student parameters over which each path's "
                "gradient is taken"
            )
        # A plain list: the student owns these parameters; the aggregator must not register them again.
        self._params = [p for p in params if p.requires_grad]
        if not self._params:
            raise ValueError("MultiObjectiveAggregator: `params` holds no trainable parameter")
        self.register_buffer("last_weights", torch.full((len(self.path_names),), 1.0 / len(self.path_names)),
                             persistent=False)

    def path_gradients(self, path_losses):
        grads = []
        for loss in path_losses:
            if not loss.requires_grad:
                grads.append(torch.zeros(sum(p.numel() for p in self._params), device=loss.device))
                continue
            per_param = torch.autograd.grad(loss, self._params, retain_graph=True, allow_unused=True)
            grads.append(torch.cat([
                (g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(per_param, self._params)
            ]))
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            for g in grads:
                dist.all_reduce(g)
                g /= dist.get_world_size()
        return grads

    def weights(self):
        return self.last_weights

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        if self.training and torch.is_grad_enabled():
            self.last_weights = min_norm_weights(self.path_gradients(path_losses)).to(self.last_weights)
        return self.weighted_terms(path_losses, self.last_weights.to(path_losses).detach())
