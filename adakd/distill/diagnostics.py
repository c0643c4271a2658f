"""Per-path gradient diagnostics: which path helps the task, which fights it.

Every ``period`` iterations (off when 0) the gradient over the student's shared parameters of each path's
term and of the task loss is taken (exact, one backward per path and one for the task, averaged over
processes like Eq. 4's) and logged to EventStorage, so it reaches metrics.json and TensorBoard:

- ``distill/<path>/grad_norm``: ‖∇(α v_i L_i)‖, the size of the path's share of the step;
- ``distill/task/grad_norm``: ‖∇L_task‖, for comparison;
- ``distill/<path>/cos_task``: cosine of the path's gradient with the task loss's gradient (negative: the
  path pulls the student against its own task);
- ``distill/cos/<path_a>/<path_b>``: cosine between two paths' gradients.

detectron2's writers (JSONWriter, TensorBoard) write each scalar's latest value once per write period
(``train.log_period``), so choose N as a multiple of it (20 with the shipped configs) to see every value in
metrics.json; the warning below sees them all regardless.

A path whose ``cos_task`` has stayed below 0 for the last ``patience`` logged values gets a warning naming
it (once per such run of values).
"""
import logging

import torch

from ..utils.events import put_scalar
from .path_gradients import PathGradients

logger = logging.getLogger(__name__)

# Names under "distill/" that the diagnostics use for themselves; no path may take them.
RESERVED_NAMES = ("task", "cos")


def cosines(gram):
    norms = gram.diagonal().clamp(min=0).sqrt()
    return gram / (norms[:, None] * norms[None, :]).clamp(min=torch.finfo(gram.dtype).tiny)


class GradientDiagnostics:
    def __init__(self, params, path_names, patience=5):
        self.gradients = PathGradients(params)
        self.path_names = list(path_names)
        self.patience = int(patience)
        self.conflict_streak = {name: 0 for name in self.path_names}

    def __call__(self, path_losses, task_loss=None, path_weights=None, alpha=1.0):
        """Logs the diagnostics of one step; returns ``{name: value}`` as logged.

        path_losses: ``{path: unweighted loss}``; task_loss: the summed task loss (None: no task scalars);
        path_weights: ``{path: v_i}`` (default 1)."""
        names = self.path_names
        losses = [path_losses[n] for n in names]
        if task_loss is not None:
            losses.append(task_loss)
        gram = self.gradients.gram(losses, names=names + ["task"])
        cos = cosines(gram)
        norms = gram.diagonal().clamp(min=0).sqrt()
        logged = {}
        for i, name in enumerate(names):
            weight = 1.0 if path_weights is None else float(path_weights[name])
            logged[f"distill/{name}/grad_norm"] = alpha * weight * norms[i].item()
            for j in range(i + 1, len(names)):
                logged[f"distill/cos/{name}/{names[j]}"] = cos[i, j].item()
        if task_loss is not None:
            logged["distill/task/grad_norm"] = norms[-1].item()
            for i, name in enumerate(names):
                value = cos[i, -1].item()
                logged[f"distill/{name}/cos_task"] = value
                self._track_conflict(name, value)
        for key, value in logged.items():
            put_scalar(key, value, smoothing_hint=False)
        return logged

    def _track_conflict(self, name, cos_task):
        self.conflict_streak[name] = self.conflict_streak[name] + 1 if cos_task < 0 else 0
        if self.conflict_streak[name] == self.patience:
            logger.warning(
                f"Distillation path {name!r}: its gradient has opposed the task loss's (cos_task < 0) in the "
                f"last {self.patience} diagnostics; its weight may be too high, or the path may hurt this student"
            )
