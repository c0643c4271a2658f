"""The distillation engine shared by every meta-architecture.

A Distiller taps a student and a frozen teacher (forward hooks; the models stay unmodified), computes each
path's loss from the recorded features, and aggregates them. The meta-architecture runs both models and
adds ``distiller(context)`` to its task losses. The teacher is held but not registered: it is moved with
the Distiller (``.to()``), kept in eval mode without gradients, and is absent from ``state_dict()``, so
checkpoints of the wrapped student hold no teacher weights and the optimizer never sees them.
"""
from typing import Dict, List, Mapping, Union

import torch
from torch import nn

from .aggregators import PathAggregator, build_aggregator
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
    ):
        """
        Args:
            student: the student model (not owned: it is only tapped).
            teacher: the teacher model; frozen here.
            paths: the distillation paths.
            aggregator: a PathAggregator over the paths' term names, or the keyword arguments of
                ``build_aggregator`` without ``path_names`` / ``params`` (e.g. ``dict(method="adaptive")``).
        """
        super().__init__()
        paths = list(paths)
        if not paths:
            raise ValueError("Distiller needs at least one distillation path")
        names = [p.name for p in paths]
        if len(set(names)) != len(names):
            raise ValueError(f"Duplicate distillation path names: {names}")
        for p in paths:
            if p.adapters_from is not None and p.adapters_from not in names[: names.index(p.name)]:
                raise ValueError(f"Path {p.name!r} shares the adapters of path {p.adapters_from!r}, which must be "
                                 f"listed before it; paths: {names}")
        self.paths = nn.ModuleList(paths)
        object.__setattr__(self, "student", student)  # tapped, not owned
        object.__setattr__(self, "teacher", freeze(teacher))
        self.student_recorder = FeatureRecorder(student, [t for p in paths for t in p.recorded_student_taps], "student")
        self.teacher_recorder = FeatureRecorder(teacher, [t for p in paths for t in p.teacher_taps], "teacher")
        for path in paths:
            # Losses that use the teacher's own modules (SR's classifier) find them by name.
            if hasattr(path.loss, "bind_teacher"):
                path.loss.bind_teacher(teacher)
        if isinstance(aggregator, PathAggregator):
            if list(aggregator.path_names) != self.term_names:
                raise ValueError(f"The aggregator's paths {aggregator.path_names} are not the distillation "
                                 f"terms {self.term_names}")
        else:
            aggregator = dict(aggregator)
            if aggregator.get("method") == "multiobjective":
                aggregator["params"] = [p for p in student.parameters() if p.requires_grad]
            aggregator = build_aggregator(path_names=self.term_names, **aggregator)
        self.aggregator = aggregator

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
            losses.update(path(self.student_recorder, self.teacher_recorder, context))
        return losses

    def forward(self, context=None) -> Dict[str, torch.Tensor]:
        """The aggregated distillation loss terms (to be added to the task losses)."""
        try:
            return self.aggregator(self.path_losses(context))
        finally:
            self.clear()

    def path_weights(self) -> Dict[str, float]:
        return self.aggregator.path_weights()
