"""What every distillation meta-architecture shares: a detectron2 student, a frozen teacher loaded from its
trained weights (never a random one), and a Distiller whose adapters are sized on a zero probe batch.

Subclasses say which part of the models the paths tap (``run_tapped``) and add their task's context.
"""
from contextlib import contextmanager

import torch
from torch import nn
from torch.autograd.profiler import record_function

from ...distill import Distiller
from ..teacher_weights import load_teacher_weights


class DistilledModel(nn.Module):
    def __init__(self, *, student: nn.Module, teacher: nn.Module, teacher_weights: str, paths, aggregator,
                 probe_size=(128, 128), diagnostics_period=0):
        """
        Args:
            student, teacher: detectron2 models of the same task.
            teacher_weights: path, URL or ``zoo://<entry>`` of the trained teacher.
            paths: list of DistillPath over the two models' modules (e.g. ``"backbone:p3"``).
            aggregator: a PathAggregator or ``build_aggregator`` keyword arguments.
            probe_size: image size of the zero batch that sizes the adapters.
            diagnostics_period: log per-path gradient norms and cosines every this many iterations (0: off;
                see ``adakd/distill/diagnostics.py``).
        """
        super().__init__()
        self.student = student
        load_teacher_weights(teacher, teacher_weights)
        self.distiller = Distiller(student, teacher, paths, aggregator, diagnostics_period=diagnostics_period)
        probe = torch.zeros(1, 3, *probe_size)
        self.distiller.build_adapters(lambda: (self.run_tapped(student, probe), self.run_tapped(teacher, probe)))

    @staticmethod
    def run_tapped(model, image_tensor):
        """Runs the part of ``model`` that the paths tap on normalised images; returns what the subclass
        needs for its distillation context."""
        raise NotImplementedError

    @staticmethod
    @contextmanager
    def teacher_pass():
        """The context of the teacher's forward pass: no autograd graph, and a named range in profiles
        (tools/benchmark_distillation_cost.py --breakdown)."""
        with torch.no_grad(), record_function("adakd::teacher_forward"):
            yield

    @property
    def diagnostics_period(self) -> int:
        """Every how many iterations the Distiller logs per-path gradient diagnostics (0: off)."""
        return self.distiller.diagnostics_period

    @diagnostics_period.setter
    def diagnostics_period(self, period):
        self.distiller.diagnostics_period = period

    @property
    def teacher(self):
        return self.distiller.teacher

    @property
    def device(self):
        return self.student.device

    def student_state_dict(self):
        """The student's weights alone: they load into the plain student config."""
        return self.student.state_dict()
