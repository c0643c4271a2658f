"""A distillation path: student tap(s), teacher tap(s), adapters where shapes differ, and a loss.

A path over several layers (e.g. AT on res2..res5) sums its per-layer losses into one term named after the
path; a ``layerwise`` path reports one term per layer, ``"<path>.<layer>"``, so each layer gets a weight.
"""
import torch
from torch import nn

from .adapter import FeatureAdapter
from .taps import parse_tap


def _layer_name(tap):
    module_name, keys = parse_tap(tap)
    return "_".join(str(k) for k in keys) if keys else module_name.rsplit(".", 1)[-1]


class DistillPath(nn.Module):
    def __init__(self, name, student_taps, teacher_taps, loss, adapter=True, layerwise=False, context_keys=()):
        """
        Args:
            name: the path's name, used in losses ("loss_distill_<name>") and logs ("distill/<name>/...").
            student_taps, teacher_taps: a tap or a list of taps of equal length (see ``taps.py``).
            loss: an nn.Module ``loss(student_feature, teacher_feature, **context) -> scalar``.
            adapter: create a FeatureAdapter for every layer whose shapes differ (see ``build_adapters``).
                With False the loss gets the raw features, and must accept them.
            layerwise: one loss term per layer instead of their sum.
            context_keys: entries of the Distiller's ``context`` passed to the loss as keyword arguments: a
                list of names, or a dict ``{loss argument: context entry}``; an entry that is a list with one
                element per tapped layer is passed layer by layer.
        """
        super().__init__()
        if not name or "/" in name or "." in name:
            raise ValueError(f"Path name {name!r} must be non-empty and contain no '/' or '.'")
        self.name = name
        self.student_taps = [student_taps] if isinstance(student_taps, str) else list(student_taps)
        self.teacher_taps = [teacher_taps] if isinstance(teacher_taps, str) else list(teacher_taps)
        if len(self.student_taps) != len(self.teacher_taps) or not self.student_taps:
            raise ValueError(f"Path {name!r}: {len(self.student_taps)} student taps but "
                             f"{len(self.teacher_taps)} teacher taps")
        self.loss = loss
        self.use_adapter = adapter
        self.layerwise = layerwise
        self.context_keys = dict(context_keys) if hasattr(context_keys, "items") else {k: k for k in context_keys}
        self.layer_names = [_layer_name(t) for t in self.student_taps]
        if len(set(self.layer_names)) != len(self.layer_names):
            self.layer_names = [str(i) for i in range(len(self.student_taps))]
        # Keyed by layer index; present only for the layers whose shapes differ.
        self.adapters = nn.ModuleDict()
        self._adapters_built = False

    @property
    def term_names(self):
        if self.layerwise and len(self.student_taps) > 1:
            return [f"{self.name}.{layer}" for layer in self.layer_names]
        return [self.name]

    def build_adapters(self, student_recorder, teacher_recorder, norm="BN"):
        """Creates the adapters from one recorded forward pass of both models."""
        for i, (s_tap, t_tap) in enumerate(zip(self.student_taps, self.teacher_taps)):
            s, t = student_recorder.get(s_tap), teacher_recorder.get(t_tap)
            if self.use_adapter and isinstance(s, torch.Tensor) and FeatureAdapter.needed(s.shape[1:], t.shape[1:]):
                self.adapters[str(i)] = FeatureAdapter(s.shape[1:], t.shape[1:], norm=norm).to(s.device)
        self._adapters_built = True

    def forward(self, student_recorder, teacher_recorder, context=None):
        context = context or {}
        missing = [k for k in self.context_keys.values() if k not in context]
        if missing:
            raise KeyError(f"Path {self.name!r} needs context {missing}; got {sorted(context)}")
        kwargs = {arg: context[key] for arg, key in self.context_keys.items()}
        losses = []
        for i, (s_tap, t_tap) in enumerate(zip(self.student_taps, self.teacher_taps)):
            student, teacher = student_recorder.get(s_tap), teacher_recorder.get(t_tap)
            if str(i) in self.adapters:
                student = self.adapters[str(i)](student, size=teacher.shape[2:] if teacher.dim() == 4 else None)
            elif self.use_adapter and not self._adapters_built and student.shape[1:] != teacher.shape[1:]:
                raise RuntimeError(
                    f"Path {self.name!r}: student {s_tap} {tuple(student.shape)} and teacher {t_tap} "
                    f"{tuple(teacher.shape)} differ but no adapter was built; call Distiller.build_adapters "
                    f"before creating the optimizer"
                )
            layer_kwargs = {
                k: v[i] if isinstance(v, (list, tuple)) and len(v) == len(self.student_taps) else v
                for k, v in kwargs.items()
            }
            try:
                losses.append(self.loss(student, teacher.detach(), **layer_kwargs))
            except ValueError as e:
                raise ValueError(f"Distillation path {self.name!r} ({s_tap} -> {t_tap}): {e}") from e
        if self.layerwise and len(losses) > 1:
            return dict(zip(self.term_names, losses))
        return {self.name: losses[0] if len(losses) == 1 else sum(losses)}
