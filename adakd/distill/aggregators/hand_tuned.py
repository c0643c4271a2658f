"""Fixed path weights chosen before training (the paper's Section 3.3, e.g. v = [1000, 0.1] for AT + ST)."""
import torch

from .base import PathAggregator, weights_vector


class HandTunedAggregator(PathAggregator):
    def __init__(self, path_names, weights, alpha=1.0):
        super().__init__(path_names, alpha)
        values = weights_vector(self.path_names, weights, owner=type(self).__name__)
        self.register_buffer("fixed_weights", torch.tensor(values), persistent=False)

    def weights(self):
        return self.fixed_weights
