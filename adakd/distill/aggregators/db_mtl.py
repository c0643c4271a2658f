"""DB-MTL, dual-balancing multi-task learning (Lin, Ye, Zhang & Kwok, 2023, "Dual-Balancing for Multi-Task
Learning"), as LibMTL's ``DB_MTL`` computes it:

- loss-scale balancing: every path's loss enters as log(L_i + 1e-8), so a path whose loss is 1e-4 and one whose
  loss is 1 weigh alike (the failure of Eq. 6's v = 1/L is the opposite: it multiplies the small one);
- gradient-magnitude balancing: ĝ_i, an exponential moving average of ∇ log L_i over the student
  (ĝ ← g + β_t (ĝ − g), β_t = β / t^σ, from ĝ = 0), is scaled to the largest norm,
  a_i = max_j ‖ĝ_j‖ / ‖ĝ_i‖, and the step is Σ_i a_i ĝ_i.

That step is d = Σ_i a_i [(1 − β_t) ∇L_i / (L_i + 1e-8) + β_t ĝ_i'] (ĝ' the averages before this step). Its first
part is this step's path gradients, given to detectron2's trainer as usual, ``loss_distill_<path>`` = α v_i L_i with
v_i = a_i (1 − β_t) / (L_i + 1e-8) detached (so path-owned modules, adapters and non-local blocks, train as under
any aggregator, and ``distill/<path>/weight`` is v_i); the second holds earlier iterations' gradients, no
combination of this step's, and is one more term, ``loss_distill_db_mtl`` = α ⟨h, θ⟩ − α ⟨h, θ⟩.detach() over the
student's parameters θ (h = β_t Σ a_i ĝ_i', detached): its value is 0, its gradient α h. The moving averages
and the step count are buffers: saved with the checkpoint, so a resumed run takes the uninterrupted run's steps;
under data parallelism the gradients are averaged over processes first, so every process holds the same. Exact gradients only
(the reference refuses representation gradients too).
"""
import torch

from .gradient_based import GradientAggregator


class DBMTLAggregator(GradientAggregator):
    takes_representation = False

    def __init__(self, path_names, params=None, alpha=1.0, representation=None, beta=0.9, beta_sigma=0.0):
        super().__init__(path_names, params, representation, alpha, initial_weight=1.0)
        for name, value in (("beta", beta), ("beta_sigma", beta_sigma)):
            if not (isinstance(value, (int, float)) and 0 <= value and (name != "beta" or value < 1)):
                raise ValueError(f"DBMTLAggregator: {name} must be a number in [0, 1) for beta, >= 0 for beta_sigma, "
                                 f"got {value!r}")
        self.beta, self.beta_sigma = float(beta), float(beta_sigma)
        params = self.gradients.params
        self.register_buffer("grad_buffer", torch.zeros(len(self.path_names), sum(p.numel() for p in params),
                                                        device=params[0].device))
        self.register_buffer("step", torch.zeros((), dtype=torch.long, device=params[0].device))

    def forward(self, losses):
        path_losses = self.check_losses(losses)
        if not (self.training and torch.is_grad_enabled()):
            return self.weighted_terms(path_losses, self.last_weights.to(path_losses))
        log_losses = [torch.log(losses[name].reshape(()) + 1e-8) for name in self.path_names]
        grads = self.gradients.exact_gradients(log_losses, self.path_names).to(self.grad_buffer)
        self.step += 1
        beta = self.beta / float(self.step) ** self.beta_sigma
        previous = self.grad_buffer
        self.grad_buffer = grads + beta * (previous - grads)
        norms = self.grad_buffer.norm(dim=1)
        scales = norms.max() / (norms + 1e-8)
        # This step's part, as loss weights: a_i (1 - β_t) ∇log(L_i + 1e-8) = v_i ∇L_i.
        weights = (scales * (1 - beta)).to(path_losses) / (path_losses.detach() + 1e-8)
        self.last_weights = weights.detach().to(self.last_weights)
        terms = self.weighted_terms(path_losses, weights.detach())
        # Earlier steps' part, as a term of value 0 whose gradient is α h over the student's parameters.
        params = self.gradients.params
        history = beta * (scales @ previous)
        surrogate = sum((h.view_as(p).to(p.dtype) * p).sum()
                        for h, p in zip(history.split([p.numel() for p in params]), params))
        terms["loss_distill_db_mtl"] = self.alpha * (surrogate - surrogate.detach())
        return terms

    def extra_repr(self):
        return f"{super().extra_repr()}, beta={self.beta}, beta_sigma={self.beta_sigma}"
