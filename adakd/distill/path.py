"""A distillation path: student tap(s), teacher tap(s), adapters where shapes differ, and a loss.

How a path over several layers (e.g. AT on res2..res5, LD on P3..P7) combines them depends on the loss:

- Losses that are a mean over a count of elements chosen per batch (a ``PooledLoss``: the RetinaNet box
  loss over positive anchors, soft targets over valid locations) **pool**: the path adds every layer's
  numerator and every layer's count and divides once, so ``sum_l S_l / sum_l N_l`` — a detector's
  loss over all positives of the batch, not a sum of per-level means.
- Every other loss **sums per tap**: ``sum_l L_l``. These are the losses whose reference code adds one
  term per layer (AT and NST of the official classification code, FM over four stages, Zhang & Ma's
  attention-guided and non-local feature KD per FPN level or backbone stage) and the losses that are plain
  sums (LD: a weighted sum over the positives of all levels, which summed per level is the same sum).

A loss with trainable modules of its own per layer (Zhang & Ma's non-local blocks) is given as a list, one
loss per tap; a loss with a ``build(student_channels, teacher_channels)`` method has it called by
``build_adapters``, so its modules exist, on the features' device, before the optimizer is created.

A ``layerwise`` path reports one term per layer, ``"<path>.<layer>"`` (each a per-layer mean for pooled
losses), so each layer gets a weight.

A layer may read several taps at once (a list of taps in place of one): its loss gets a tuple of tensors on
each side, for losses that combine outputs of several modules (CrossKD's classification and box towers of
every FPN level, together with the teacher's own predictions). Such layers have no adapters.
"""
import torch
from torch import nn
from torch.autograd.profiler import record_function

from .adapter import FeatureAdapter
from .taps import parse_tap


def _taps_of_layer(layer):
    """A layer's taps: one tap (a string), or a tuple of them."""
    return str(layer) if isinstance(layer, str) else tuple(str(t) for t in layer)


def _flat(layers):
    return [t for layer in layers for t in ((layer,) if isinstance(layer, str) else layer)]


def _read(recorder, layer):
    return recorder.get(layer) if isinstance(layer, str) else tuple(recorder.get(t) for t in layer)


def _detach(value):
    return value.detach() if isinstance(value, torch.Tensor) else tuple(v.detach() for v in value)


def _layer_name(tap):
    if not isinstance(tap, str):
        return "+".join(_layer_name(t) for t in tap)
    module_name, keys = parse_tap(tap)
    return "_".join(str(k) for k in keys) if keys else module_name.rsplit(".", 1)[-1]


class PooledLoss(nn.Module):
    """A loss that is ``numerator / count``; ``sum_and_count`` returns both, so a path can pool the counts
    of all its layers before dividing. ``forward`` is the one-layer value."""

    def sum_and_count(self, student, teacher, **kwargs):
        raise NotImplementedError

    @staticmethod
    def divide(total, count):
        # Clamp, not a branch: a zero count gives 0 (tied to the student), with no host sync and no NaN.
        count = torch.as_tensor(count, dtype=total.dtype, device=total.device)
        return total / count.clamp(min=torch.finfo(total.dtype).eps)

    def forward(self, student, teacher, **kwargs):
        return self.divide(*self.sum_and_count(student, teacher, **kwargs))


class DistillPath(nn.Module):
    def __init__(self, name, student_taps, teacher_taps, loss, adapter=True, layerwise=False, context_keys=(),
                 student_context_taps=None, adapters_from=None):
        """
        Args:
            name: the path's name, used in losses ("loss_distill_<name>") and logs ("distill/<name>/...").
            student_taps, teacher_taps: a tap or a list of taps of equal length (see ``taps.py``).
            loss: an nn.Module ``loss(student_feature, teacher_feature, **context) -> scalar``, or a list
                of them, one per tap; a ``PooledLoss`` is pooled over the layers (see the module docstring).
            adapter: create a FeatureAdapter for every layer whose shapes differ (see ``build_adapters``).
                With False the loss gets the raw features, and must accept them.
            layerwise: one loss term per layer instead of their sum.
            context_keys: entries of the Distiller's ``context`` passed to the loss as keyword arguments: a
                list of names, or a dict ``{loss argument: context entry}``; an entry that is a list with one
                element per tapped layer is passed layer by layer.
            student_context_taps: ``{loss argument: taps}``, further student outputs given to the loss layer
                by layer (one tap per layer; e.g. LD's student classification scores that weight each
                position). They are detached: they only weight the loss.
            adapters_from: the name of another path of the same Distiller whose adapters this path reuses
                for the student taps they share (FM and SR share one set of adapters in Yang et al.'s code).
        """
        super().__init__()
        if not name or "/" in name or "." in name:
            raise ValueError(f"Path name {name!r} must be non-empty and contain no '/' or '.'")
        self.name = name
        self.student_taps = [student_taps] if isinstance(student_taps, str) else [_taps_of_layer(t) for t in student_taps]
        self.teacher_taps = [teacher_taps] if isinstance(teacher_taps, str) else [_taps_of_layer(t) for t in teacher_taps]
        if len(self.student_taps) != len(self.teacher_taps) or not self.student_taps:
            raise ValueError(f"Path {name!r}: {len(self.student_taps)} student taps but "
                             f"{len(self.teacher_taps)} teacher taps")
        self.student_context_taps = {}
        for arg, taps in dict(student_context_taps or {}).items():
            taps = [taps] if isinstance(taps, str) else list(taps)
            if len(taps) != len(self.student_taps):
                raise ValueError(f"Path {name!r}: student_context_taps[{arg!r}] has {len(taps)} taps for "
                                 f"{len(self.student_taps)} layers")
            self.student_context_taps[arg] = taps
        if not isinstance(loss, nn.Module):  # a list (an OmegaConf ListConfig from a LazyConfig)
            loss = list(loss)
            if len(loss) != len(self.student_taps):
                raise ValueError(f"Path {name!r}: {len(loss)} losses for {len(self.student_taps)} layers")
            if len({isinstance(x, PooledLoss) for x in loss}) > 1:
                raise ValueError(f"Path {name!r}: its per-layer losses must all pool or all sum per tap")
            loss = nn.ModuleList(loss)
        several = [i for i, (s, t) in enumerate(zip(self.student_taps, self.teacher_taps))
                   if not (isinstance(s, str) and isinstance(t, str))]
        if several and (adapter or student_context_taps):
            raise ValueError(f"Path {name!r}: layer {several[0]} reads several taps, which no adapter or student "
                             f"context tap can follow; pass adapter=False and no student_context_taps")
        self.loss = loss
        self.use_adapter = adapter
        self.layerwise = layerwise
        self.adapters_from = adapters_from
        self.context_keys = dict(context_keys) if hasattr(context_keys, "items") else {k: k for k in context_keys}
        self.layer_names = [_layer_name(t) for t in self.student_taps]
        if len(set(self.layer_names)) != len(self.layer_names):
            self.layer_names = [str(i) for i in range(len(self.student_taps))]
        # Keyed by layer index; present only for the layers whose shapes differ.
        self.adapters = nn.ModuleDict()
        self._adapters_built = False

    def layer_loss(self, i):
        return self.loss[i] if isinstance(self.loss, nn.ModuleList) else self.loss

    @property
    def term_names(self):
        if self.layerwise and len(self.student_taps) > 1:
            return [f"{self.name}.{layer}" for layer in self.layer_names]
        return [self.name]

    @property
    def recorded_student_taps(self):
        """Every student output the path reads: its taps and its context taps."""
        return _flat(self.student_taps) + [t for taps in self.student_context_taps.values() for t in taps]

    @property
    def recorded_teacher_taps(self):
        return _flat(self.teacher_taps)

    def build_adapters(self, student_recorder, teacher_recorder, norm="BN", shared=None):
        """Creates the adapters from one recorded forward pass of both models.

        ``shared``: ``{student tap: adapter}`` of the path named by ``adapters_from``; those are reused."""
        shared = shared or {}
        for i, (s_tap, t_tap) in enumerate(zip(self.student_taps, self.teacher_taps)):
            s, t = _read(student_recorder, s_tap), _read(teacher_recorder, t_tap)
            if not isinstance(s_tap, str) or not isinstance(t_tap, str):
                # Several taps: no adapter (checked in __init__); a loss's own modules get the channels of
                # the layer's first tap on each side.
                loss = self.layer_loss(i)
                if hasattr(loss, "build"):
                    first = lambda x: x if isinstance(x, torch.Tensor) else x[0]  # noqa: E731
                    loss.build(first(s).shape[1], first(t).shape[1]).to(first(s).device)
                continue
            if s_tap in shared:
                self.adapters[str(i)] = shared[s_tap]
            elif self.use_adapter and isinstance(s, torch.Tensor) and FeatureAdapter.needed(s.shape[1:], t.shape[1:]):
                self.adapters[str(i)] = FeatureAdapter(s.shape[1:], t.shape[1:], norm=norm).to(s.device)
            loss = self.layer_loss(i)
            if hasattr(loss, "build"):
                student_channels = t.shape[1] if str(i) in self.adapters else s.shape[1]
                loss.build(student_channels, t.shape[1]).to(s.device)
        self._adapters_built = True

    def adapters_by_tap(self):
        return {self.student_taps[int(i)]: adapter for i, adapter in self.adapters.items()}

    def forward(self, student_recorder, teacher_recorder, context=None):
        context = context or {}
        missing = [k for k in self.context_keys.values() if k not in context]
        if missing:
            raise KeyError(f"Path {self.name!r} needs context {missing}; got {sorted(context)}")
        kwargs = {arg: context[key] for arg, key in self.context_keys.items()}
        pooled = isinstance(self.layer_loss(0), PooledLoss)
        losses = []
        for i, (s_tap, t_tap) in enumerate(zip(self.student_taps, self.teacher_taps)):
            student, teacher = _read(student_recorder, s_tap), _read(teacher_recorder, t_tap)
            if str(i) in self.adapters:
                with record_function(f"adakd::path::{self.name}::adapter"):
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
            for arg, taps in self.student_context_taps.items():
                layer_kwargs[arg] = student_recorder.get(taps[i]).detach()
            try:
                loss = self.layer_loss(i)
                with record_function(f"adakd::path::{self.name}::loss"):
                    losses.append(loss.sum_and_count(student, _detach(teacher), **layer_kwargs) if pooled
                                  else loss(student, _detach(teacher), **layer_kwargs))
            except ValueError as e:
                raise ValueError(f"Distillation path {self.name!r} ({s_tap} -> {t_tap}): {e}") from e
        if self.layerwise and len(losses) > 1:
            if pooled:
                losses = [PooledLoss.divide(total, count) for total, count in losses]
            return dict(zip(self.term_names, losses))
        if pooled:
            return {self.name: PooledLoss.divide(sum(t for t, _ in losses), sum(c for _, c in losses))}
        return {self.name: losses[0] if len(losses) == 1 else sum(losses)}
