"""FAMO, fast adaptive multitask optimisation (Liu, Liu, Stone & Liu, NeurIPS 2023, §3, Algorithm 1).

Logits ξ give z = softmax(ξ); the step is that of Σ_i z_i log L_i, i.e. the path losses weighted by
v_i = z_i / (c L_i) with c = Σ_j z_j / L_j (the normalisation of the authors' release), so it needs no
per-path gradient. After each step ξ moves to favour the paths that improved least: with
δ_i = log L_i(t−1) − log L_i(t), ξ takes an Adam step along ∂(zᵀδ)/∂ξ = z ⊙ (δ − zᵀδ), with learning rate
β = 0.025 (the authors' release and LibMTL) and weight decay γ = 0.001 (LibMTL's default; the authors'
standalone famo.py defaults to 0.01).

The authors' example evaluates L(t) again on the same batch after the step (one extra forward); detectron2's
step has one forward, so the next batch's losses stand in for it. Losses are taken relative to a minimum of 0 (+1e-8).
Under data parallelism the losses in δ are averaged over processes, so every process moves ξ alike. ξ is a
buffer, not trained by the main optimizer; ξ, the previous losses and the Adam state of ξ (step count and
moments) are all buffers, so a checkpoint holds them and a resumed run takes the step the uninterrupted run would.
"""
import torch

from ..path_gradients import average_over_processes
from .base import PathAggregator

EPS = 1e-8


class FAMOAggregator(PathAggregator):
    def __init__(self, path_names, alpha=1.0, lr=0.025, weight_decay=0.001):
        super().__init__(path_names, alpha)
        if not lr > 0 or not weight_decay >= 0:
            raise ValueError(f"FAMOAggregator: lr must be > 0 and weight_decay >= 0, got {lr!r}, {weight_decay!r}")
        self.lr, self.weight_decay = float(lr), float(weight_decay)
        K = len(self.path_names)
        self.register_buffer("task_logits", torch.zeros(K))
        self.register_buffer("previous_losses", torch.full((K,), float("nan")))
        self.register_buffer("last_weights", torch.full((K,), 1.0 / K), persistent=False)
        # torch.optim.Adam's state of task_logits (its state_dict layout), kept as buffers so checkpoints hold it.
        self.register_buffer("logit_adam_step", torch.zeros(()))
        self.register_buffer("logit_adam_exp_avg", torch.zeros(K))
        self.register_buffer("logit_adam_exp_avg_sq", torch.zeros(K))

    def weights(self):
        return self.last_weights

    def _update_logits(self, losses):
        delta = torch.log(self.previous_losses + EPS) - torch.log(losses + EPS)
        z = torch.softmax(self.task_logits, dim=0)
        logits = self.task_logits
        optimizer = torch.optim.Adam([logits], lr=self.lr, weight_decay=self.weight_decay)
        # Adam resumes from the buffers (step 0 with zero moments is its fresh start); it counts steps on the CPU.
        state = {"step": self.logit_adam_step.detach().cpu().clone(),
                 "exp_avg": self.logit_adam_exp_avg.clone(), "exp_avg_sq": self.logit_adam_exp_avg_sq.clone()}
        optimizer.load_state_dict({"state": {0: state}, "param_groups": optimizer.state_dict()["param_groups"]})
        logits.grad = z * (delta - z @ delta)
        optimizer.step()
        logits.grad = None
        state = optimizer.state[logits]
        self.logit_adam_step.copy_(state["step"])
        self.logit_adam_exp_avg.copy_(state["exp_avg"])
        self.logit_adam_exp_avg_sq.copy_(state["exp_avg_sq"])

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        if self.training and torch.is_grad_enabled():
            current = average_over_processes(path_losses.detach().float().clone()).to(self.task_logits)
            if not torch.isnan(self.previous_losses).any():
                self._update_logits(current)
            self.previous_losses = current
            z = torch.softmax(self.task_logits, dim=0)
            shifted = current + EPS
            self.last_weights = (z / shifted) / (z / shifted).sum()
        return self.weighted_terms(path_losses, self.last_weights.to(path_losses).detach())

    def extra_repr(self):
        return f"{super().extra_repr()}, lr={self.lr}, weight_decay={self.weight_decay}"
