"""The distillation engine shared by every meta-architecture.

A Distiller taps a student and a frozen teacher (forward hooks; the models stay unmodified), computes each
path's loss from the recorded features, and aggregates them. The meta-architecture runs both models and
adds ``distiller(context)`` to its task losses. The teacher is held but not registered: it is moved with
the Distiller (``.to()``), kept in eval mode without gradients, and is absent from ``state_dict()``, so
checkpoints of the wrapped student hold no teacher weights and the optimizer never sees them.

With ``diagnostics_period=N`` the Distiller also logs, every N iterations, each path's gradient norm and its
cosines with the task loss's gradient and with the other paths' (``diagnostics.py``); the meta-architecture
passes its task losses (``distiller(context, task_losses)``).
"""
from typing import Dict, List, Mapping, Optional, Union

import torch
from torch import nn
from torch.autograd.profiler import record_function

from ..utils.events import current_iteration
from .aggregators import GRADIENT_METHODS, PathAggregator, build_aggregator
from .diagnostics import RESERVED_NAMES, GradientDiagnostics
from .path import DistillPath
from .taps import FeatureRecorder


def freeze(model: nn.Module) -> nn.Module:
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


class Distiller(nn.Module):
    def __init__(
        self,
        student: nn.Module,
        teacher: nn.Module,
        paths: List[DistillPath],
        aggregator: Union[PathAggregator, Mapping],
        diagnostics_period: int = 0,
    ):
        """
        Args:
            student: the student model (not owned: it is only tapped).
            teacher: the teacher model; frozen here.
            paths: the distillation paths.
            aggregator: a PathAggregator over the paths' term names, or the keyword arguments of
                ``build_aggregator`` without ``path_names`` / ``params`` (e.g. ``dict(method="adaptive")``).
            diagnostics_period: log per-path gradient diagnostics every this many iterations (0: never).
        """
        super().__init__()
        paths = list(paths)
        if not paths:
            raise ValueError("Distiller needs at least one distillation path")
        names = [p.name for p in paths]
        if len(set(names)) != len(names):
            raise ValueError(f"Duplicate distillation path names: {names}")
        reserved = [n for n in names if n in RESERVED_NAMES]
        if reserved:
            raise ValueError(f"Distillation path names {reserved} are reserved for the gradient diagnostics "
                             f"(distill/task/..., distill/cos/...); rename the paths")
        for p in paths:
            if p.adapters_from is not None and p.adapters_from not in names[: names.index(p.name)]:
                raise ValueError(f"Path {p.name!r} shares the adapters of path {p.adapters_from!r}, which must be "
                                 f"listed before it; paths: {names}")
        self.paths = nn.ModuleList(paths)
        object.__setattr__(self, "student", student)  # tapped, not owned
        object.__setattr__(self, "teacher", freeze(teacher))
        if isinstance(aggregator, PathAggregator):
            if list(aggregator.path_names) != self.term_names:
                raise ValueError(f"The aggregator's paths {aggregator.path_names} are not the distillation "
                                 f"terms {self.term_names}")
        else:
            aggregator = dict(aggregator)
            if aggregator.get("method") in GRADIENT_METHODS and aggregator.get("params") is None:
                aggregator["params"] = [p for p in student.parameters() if p.requires_grad]
            aggregator = build_aggregator(path_names=self.term_names, **aggregator)
        self.aggregator = aggregator
        # Where a gradient aggregator takes the path gradients at a shared representation (MGDA-UB).
        self.representation_taps = list(getattr(aggregator, "representation", None) or [])
        self.student_recorder = FeatureRecorder(
            student, [t for p in paths for t in p.recorded_student_taps] + self.representation_taps, "student")
        self.teacher_recorder = FeatureRecorder(teacher, [t for p in paths for t in p.recorded_teacher_taps], "teacher")
        for path in paths:
            # Losses that use the teacher's own modules (SR's classifier, CrossKD's head, OFD's BN statistics)
            # find them by name; a path with one loss per layer binds each.
            for loss in (path.loss if isinstance(path.loss, nn.ModuleList) else [path.loss]):
                if hasattr(loss, "bind_teacher"):
                    loss.bind_teacher(teacher)
        self.diagnostics_period = diagnostics_period
        self._diagnostics = None

    @property
    def diagnostics_period(self) -> int:
        return self._diagnostics_period

    @diagnostics_period.setter
    def diagnostics_period(self, period):
        if not (isinstance(period, int) and not isinstance(period, bool) and period >= 0):
            raise ValueError(f"diagnostics_period must be an integer >= 0 (0: off), got {period!r}")
        self._diagnostics_period = period

    @property
    def term_names(self) -> List[str]:
        return [name for p in self.paths for name in p.term_names]

    def _apply(self, fn, *args, **kwargs):
        # .to() / .cuda() / .half() reach the (unregistered) teacher too.
        super()._apply(fn, *args, **kwargs)
        self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        self.teacher.eval()
        return self

    @torch.no_grad()
    def build_adapters(self, run_both_models, norm="BN"):
        """Creates each path's adapters from the feature shapes of one forward pass of both models.

        ``run_both_models()`` must run the student and the teacher on one example batch. Both run in eval
        mode, so BN statistics are untouched. Call this before building the optimizer.
        """
        student_was_training = self.student.training
        self.student.eval()
        try:
            run_both_models()
            by_name = {}
            for path in self.paths:
                shared = by_name[path.adapters_from].adapters_by_tap() if path.adapters_from else None
                path.build_adapters(self.student_recorder, self.teacher_recorder, norm=norm, shared=shared)
                by_name[path.name] = path
        finally:
            self.student.train(student_was_training)
            self.clear()
        return self

    def clear(self):
        self.student_recorder.clear()
        self.teacher_recorder.clear()

    def path_losses(self, context=None) -> Dict[str, torch.Tensor]:
        """Each term's unweighted loss from the last forward pass of both models."""
        losses = {}
        for path in self.paths:
            with record_function(f"adakd::path::{path.name}"):  # named in profiles (benchmark_distillation_cost)
                losses.update(path(self.student_recorder, self.teacher_recorder, context))
        return losses

    def recorded_representation(self):
        """The tensors of the aggregator's shared representation taps, from the last student forward."""
        tensors = []

        def collect(value):
            if isinstance(value, torch.Tensor):
                tensors.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    collect(v)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    collect(v)

        for tap in self.representation_taps:
            collect(self.student_recorder.get(tap))
        return tensors

    def diagnostics_due(self) -> bool:
        iteration = current_iteration()
        return (self.diagnostics_period > 0 and self.training and torch.is_grad_enabled()
                and isinstance(iteration, int) and iteration % self.diagnostics_period == 0)

    def log_diagnostics(self, path_losses, task_losses=None):
        """Logs the per-path gradient diagnostics of this step (see ``diagnostics.py``)."""
        if self._diagnostics is None:
            params = [p for p in self.student.parameters() if p.requires_grad]
            self._diagnostics = GradientDiagnostics(params, self.term_names)
        task_loss = None
        if task_losses:
            task_terms = [v for v in task_losses.values() if isinstance(v, torch.Tensor) and v.requires_grad]
            task_loss = sum(task_terms) if task_terms else None
        return self._diagnostics(path_losses, task_loss, self.path_weights(), self.aggregator.alpha)

    def forward(self, context=None, task_losses: Optional[Dict[str, torch.Tensor]] = None) -> Dict[str, torch.Tensor]:
        """The aggregated distillation loss terms (to be added to the task losses).

        task_losses: the student's task losses of this step, read by the gradient diagnostics only."""
        try:
            path_losses = self.path_losses(context)
            with record_function("adakd::aggregator"):
                if self.representation_taps:
                    terms = self.aggregator(path_losses, representation=self.recorded_representation())
                else:
                    terms = self.aggregator(path_losses)
            if self.diagnostics_due():
                self.log_diagnostics(path_losses, task_losses)
            return terms
        finally:
            self.clear()

    def path_weights(self) -> Dict[str, float]:
        return self.aggregator.path_weights()
