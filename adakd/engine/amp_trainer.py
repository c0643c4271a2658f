"""Mixed precision training (``train.amp.enabled=True``) on the CPU as well as on CUDA.

detectron2's AMPTrainer asserts that CUDA is available and autocasts with ``torch.cuda.amp``. On the CPU the
forward runs under ``torch.autocast("cpu", dtype=torch.bfloat16)`` instead: bfloat16 has float32's exponent
range, so it needs no loss scaling (the grad scaler is disabled, and ``GradScaler.unscale_`` / ``step`` /
``state_dict`` keep detectron2's trainer and our GradientClipHook working unchanged). Parameters, gradients and
the optimizer stay float32, as with CUDA AMP.
"""
import time

import torch
from detectron2.engine import AMPTrainer


class CPUAMPTrainer(AMPTrainer):
    """AMPTrainer whose forward autocasts to bfloat16 on the CPU (``torch.autocast("cpu")``'s default)."""

    def __init__(self, model, data_loader, optimizer, precision=torch.bfloat16, **kwargs):
        if precision != torch.bfloat16:
            raise ValueError(f"CPUAMPTrainer: only bfloat16 needs no loss scaling on the CPU, got {precision}")
        super().__init__(model, data_loader, optimizer, precision=precision,
                         grad_scaler=torch.amp.GradScaler("cpu", enabled=False), **kwargs)

    def run_step(self):
        # AMPTrainer.run_step with the CPU autocast; the disabled scaler makes scale/step/update plain.
        assert self.model.training, "[CPUAMPTrainer] model was changed to eval mode!"
        start = time.perf_counter()
        data = next(self._data_loader_iter)
        data_time = time.perf_counter() - start

        if self.zero_grad_before_forward:
            self.optimizer.zero_grad()
        with torch.autocast("cpu", dtype=self.precision):
            loss_dict = self.model(data)
            if isinstance(loss_dict, torch.Tensor):
                losses = loss_dict
                loss_dict = {"total_loss": loss_dict}
            else:
                losses = sum(loss_dict.values())
        if not self.zero_grad_before_forward:
            self.optimizer.zero_grad()

        self.grad_scaler.scale(losses).backward()
        self.after_backward()
        if self.async_write_metrics:
            self.concurrent_executor.submit(self._write_metrics, loss_dict, data_time, iter=self.iter)
        else:
            self._write_metrics(loss_dict, data_time)
        self.grad_scaler.step(self.optimizer)
        self.grad_scaler.update()


def amp_trainer_class(device):
    """The mixed precision trainer for ``train.device``: detectron2's on CUDA, CPUAMPTrainer on the CPU."""
    return CPUAMPTrainer if str(device).startswith("cpu") else AMPTrainer
