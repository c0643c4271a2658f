"""Global gradient-norm clipping as a trainer hook.

LazyConfig trainers do not clip gradients; deep models trained from scratch (the ResNet-101 teachers)
diverge without it. The hook runs between ``backward()`` and ``optimizer.step()``.
"""
import torch
from detectron2.engine import HookBase
from detectron2.utils.events import get_event_storage


class GradientClipHook(HookBase):
    def __init__(self, max_norm, norm_type=2.0):
        if not max_norm > 0:
            raise ValueError(f"GradientClipHook: max_norm must be positive, got {max_norm}")
        self.max_norm = float(max_norm)
        self.norm_type = float(norm_type)

    def after_backward(self):
        trainer = self.trainer
        if getattr(trainer, "grad_scaler", None) is not None:
            # AMP: clip the true gradients, not the loss-scaled ones.
            trainer.grad_scaler.unscale_(trainer.optimizer)
        params = [p for group in trainer.optimizer.param_groups for p in group["params"] if p.grad is not None]
        total_norm = torch.nn.utils.clip_grad_norm_(params, self.max_norm, self.norm_type)
        get_event_storage().put_scalar("grad_norm", float(total_norm), smoothing_hint=True)
