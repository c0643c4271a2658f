"""The interface shared by every path aggregator (the paper's Eq. 3: L_task + α · vᵀ f_KD)."""
import math

import torch
from torch import nn

from ...utils.events import current_iteration, put_scalar


class PathAggregator(nn.Module):
    """Turns ``{path_name: scalar loss}`` into the loss terms detectron2's trainer sums.

    Subclasses define ``weights()`` (a 1-D tensor ``v`` aligned with ``path_names``) and may override
    ``forward``. The aggregator knows nothing about what a path's loss measures.
    """

    def __init__(self, path_names, alpha=1.0):
        super().__init__()
        path_names = list(path_names)
        if not path_names:
            raise ValueError(f"{type(self).__name__} needs at least one path name")
        if len(set(path_names)) != len(path_names):
            raise ValueError(f"{type(self).__name__}: duplicate path names in {path_names}")
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"{type(self).__name__}: alpha must be a finite number >= 0, got {alpha!r}")
        self.path_names = path_names
        self.alpha = float(alpha)

    def weights(self):
        raise NotImplementedError

    def path_weights(self):
        """Current weight of each path, ``{path_name: float}``."""
        return dict(zip(self.path_names, self.weights().detach().cpu().tolist()))

    def check_losses(self, losses):
        """Raises on a missing or unknown path, or a non-finite loss (naming the path and iteration)."""
        unknown = sorted(set(losses) - set(self.path_names))
        missing = [name for name in self.path_names if name not in losses]
        if unknown or missing:
            raise KeyError(
                f"{type(self).__name__} got losses for {sorted(losses)}; unknown: {unknown}, missing: {missing}. "
                f"Valid path names: {self.path_names}"
            )
        for name in self.path_names:
            value = losses[name]
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise ValueError(f"Distillation path {name!r} must give a scalar tensor, got {value!r}")
            if not torch.isfinite(value).all():
                raise FloatingPointError(
                    f"Distillation path {name!r} gave a non-finite loss ({value.item()}) at iteration "
                    f"{current_iteration()}"
                )
        return torch.stack([losses[name].reshape(()) for name in self.path_names])

    def weighted_terms(self, path_losses, weights):
        """``{"loss_distill_<path>": α·v_i·L_i}``, logging each path's loss and weight."""
        terms = {}
        for name, loss, weight in zip(self.path_names, path_losses, weights):
            terms[f"loss_distill_{name}"] = self.alpha * weight * loss
            put_scalar(f"distill/{name}/loss", loss)
            put_scalar(f"distill/{name}/weight", weight)
        return terms

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        weights = self.weights().to(path_losses)
        return self.weighted_terms(path_losses, weights)

    def extra_repr(self):
        return f"paths={self.path_names}, alpha={self.alpha}"


class PerStepAggregator(PathAggregator):
    """Weights that nothing trains, recomputed at every training step by ``step_weights`` from the step's (detached)
    path losses; kept between steps but not saved, and used as they are outside training (1/K before the first
    step)."""

    def __init__(self, path_names, alpha=1.0):
        super().__init__(path_names, alpha)
        self.register_buffer("last_weights", torch.full((len(self.path_names),), 1.0 / len(self.path_names)),
                             persistent=False)

    def step_weights(self, path_losses):
        """This step's weights (a 1-D tensor), or None to keep the last ones."""
        raise NotImplementedError

    def weights(self):
        return self.last_weights

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        if self.training:
            weights = self.step_weights(path_losses.detach())
            if weights is not None:
                self.last_weights = weights.to(self.last_weights)
        return self.weighted_terms(path_losses, self.last_weights.to(path_losses))


def weights_vector(path_names, init_weights, default=1.0, owner="aggregator"):
    """``init_weights`` (None, a dict by path name, or a sequence aligned with path_names) → list of floats > 0."""
    if init_weights is None:
        values = [default] * len(path_names)
    elif isinstance(init_weights, dict) or hasattr(init_weights, "items"):
        unknown = sorted(set(init_weights) - set(path_names))
        if unknown:
            raise KeyError(f"{owner}: weights given for unknown paths {unknown}; valid path names: {path_names}")
        values = [init_weights.get(name, default) for name in path_names]
    else:
        values = list(init_weights)
        if len(values) != len(path_names):
            raise ValueError(f"{owner}: {len(values)} weights for {len(path_names)} paths {path_names}")
    for name, value in zip(path_names, values):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{owner}: the weight of path {name!r} must be a finite number > 0, got {value!r}")
    return [float(v) for v in values]
