"""Dynamic Weight Average (Liu, Johns & Davison, CVPR 2019, MTAN, §3 "Dynamic Weight Average").

v_k(t) = K · exp(r_k(t−1) / T) / Σ_i exp(r_i(t−1) / T), with r_k(t−1) = L_k(t−1) / L_k(t−2) the ratio of
path k's mean loss over the last two windows and T = 2 (the paper's value); v = 1 until two windows have
been seen. The paper averages over epochs; detectron2 trains by iterations, so a window is ``window``
training steps. Under data parallelism the window means are averaged over processes, so that every process
uses the same weights. Nothing here is trained.
"""
import torch

from ..path_gradients import average_over_processes
from .base import PathAggregator


class DWAAggregator(PathAggregator):
    def __init__(self, path_names, alpha=1.0, temperature=2.0, window=50):
        super().__init__(path_names, alpha)
        if not temperature > 0:
            raise ValueError(f"DWAAggregator: temperature must be > 0, got {temperature!r}")
        if not (isinstance(window, int) and window >= 1):
            raise ValueError(f"DWAAggregator: window must be an integer >= 1 (training steps), got {window!r}")
        self.temperature = float(temperature)
        self.window = window
        K = len(self.path_names)
        # Persistent: a resumed run continues with the same window statistics.
        self.register_buffer("window_loss_sum", torch.zeros(K, dtype=torch.float64))
        self.register_buffer("window_steps", torch.zeros((), dtype=torch.long))
        # Mean losses of the last two complete windows (row 0 the older); NaN until seen.
        self.register_buffer("window_means", torch.full((2, K), float("nan"), dtype=torch.float64))
        self.register_buffer("current_weights", torch.ones(K))

    def weights(self):
        return self.current_weights

    def _end_window(self):
        means = average_over_processes(self.window_loss_sum / self.window_steps.item())
        self.window_means = torch.stack([self.window_means[1], means])
        self.window_loss_sum.zero_()
        self.window_steps.zero_()
        if torch.isfinite(self.window_means).all():
            ratios = self.window_means[1] / self.window_means[0]
            K = len(self.path_names)
            self.current_weights = (K * torch.softmax(ratios / self.temperature, dim=0)).to(self.current_weights)

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        terms = self.weighted_terms(path_losses, self.current_weights.to(path_losses))
        if self.training and torch.is_grad_enabled():
            # The weights of step t come from windows before it; this step's loss joins the current window.
            self.window_loss_sum += path_losses.detach().double().to(self.window_loss_sum.device)
            self.window_steps += 1
            if self.window_steps.item() >= self.window:
                self._end_window()
        return terms

    def extra_repr(self):
        return f"{super().extra_repr()}, temperature={self.temperature}, window={self.window}"
