"""Taps: record a named module's output with a forward hook, so models stay unmodified detectron2 models.

A tap is written ``"<module name>"`` or ``"<module name>:<key>[:<key>...]"``; each key selects from an
output that is a dict (``"backbone:p3"``, an FPN level) or a tuple/list (``"head:0:2"``, RetinaNet's
classification logits of the third level). A module that runs several times in one forward pass (a head's
conv tower, shared by the FPN levels and run once per level) is tapped per call with ``"<module name>@<call>"``
(``"head.cls_subnet.7@2"``: its output on the third level); without ``@`` a tap reads the last call.

A module's output that the model changes in place afterwards (a ResNet block's residual branch, to which
``out += shortcut`` and ``relu_`` are applied) would reach the loss with the later values: ``"<module name>@copy"``
records a copy of it instead (``"backbone.res2.1.conv2@copy"``; with a call: ``"...@2@copy"``), and reading a
tap whose tensor was changed in place since it was recorded is an error that says so.
"""
import difflib

import torch
from torch import nn


def parse_tap(tap):
    """``"head:0:2"`` → ``("head", (0, 2))``; keys that are integers index tuples and lists. The module name
    keeps a ``@<call>`` suffix (see ``split_call``)."""
    module_name, *keys = str(tap).split(":")
    return module_name, tuple(int(k) if k.lstrip("-").isdigit() else k for k in keys)


def split_call(module_name):
    """``"head.cls_subnet.7@2"`` → ``("head.cls_subnet.7", 2, False)``; ``"x@copy"`` → ``("x", None, True)``; no
    ``@``: ``(module_name, None, False)`` (the last call, as recorded)."""
    name, *suffixes = module_name.split("@")
    call, copy = None, False
    for suffix in suffixes:
        if suffix.isdigit() and call is None:
            call = int(suffix)
        elif suffix == "copy" and not copy:
            copy = True
        else:
            raise ValueError(f"Tap {module_name!r}: after '@' comes a call number >= 0 or 'copy' (once each), got "
                             f"{suffix!r}")
    return name, call, copy


def _versions(output):
    """In-place-modification counters of the tensors in ``output`` (a tensor, or a tuple/list/dict of them)."""
    if isinstance(output, torch.Tensor):
        return None if output.is_inference() else output._version  # inference tensors keep no counter
    if isinstance(output, dict):
        return {k: _versions(v) for k, v in output.items()}
    if isinstance(output, (list, tuple)):
        return [_versions(v) for v in output]
    return None


def _copied(output):
    if isinstance(output, torch.Tensor):
        return output.clone()
    if isinstance(output, dict):
        return {k: _copied(v) for k, v in output.items()}
    if isinstance(output, (list, tuple)):
        return type(output)(_copied(v) for v in output)
    return output


class FeatureRecorder:
    """Records, on every forward of ``model``, the outputs of the modules named by ``taps``."""

    def __init__(self, model: nn.Module, taps, owner="model"):
        self.owner = owner
        self._outputs = {}
        self._handles = []
        modules = dict(model.named_modules())
        split = [split_call(parse_tap(t)[0]) for t in taps]
        self._copy = {name for name, _, copy in split if copy}
        for module_name in dict.fromkeys(name for name, _, _ in split):
            if module_name not in modules:
                close = difflib.get_close_matches(module_name, list(modules), n=3)
                hint = f" Close matches: {', '.join(close)}." if close else ""
                raise KeyError(f"Tap {module_name!r}: the {owner} has no module named {module_name!r}.{hint}")
            self._handles.append(modules[module_name].register_forward_hook(self._make_hook(module_name)))
        # Each forward of the whole model starts afresh: the calls of one pass are kept, never those of every
        # pass (evaluation runs the student batch after batch, and nothing reads its taps).
        self._handles.append(model.register_forward_pre_hook(lambda module, inputs: self.clear()))

    def _make_hook(self, module_name):
        copy = module_name in self._copy

        def hook(module, inputs, output):
            # Every call of this forward pass, with the tensors' version counters to detect later in-place changes.
            output = _copied(output) if copy else output
            self._outputs.setdefault(module_name, []).append((output, _versions(output)))

        return hook

    def get(self, tap):
        module_name, keys = parse_tap(tap)
        module_name, call, _ = split_call(module_name)
        if module_name not in self._outputs:
            raise RuntimeError(
                f"Tap {tap!r}: module {module_name!r} of the {self.owner} did not run in the last forward pass"
            )
        calls = self._outputs[module_name]
        if call is not None and call >= len(calls):
            raise RuntimeError(f"Tap {tap!r}: module {module_name!r} of the {self.owner} ran {len(calls)} time(s) in "
                               f"the last forward pass, the tap reads call {call} (counted from 0)")
        output, versions = calls[-1 if call is None else call]
        for k in keys:
            try:
                output = output[k]
                versions = versions[k] if versions is not None else None
            except (KeyError, IndexError, TypeError) as e:
                available = list(output.keys()) if isinstance(output, dict) else f"a {type(output).__name__}"
                raise KeyError(f"Tap {tap!r}: no entry {k!r} in the output of {module_name!r} ({available})") from e
        if isinstance(output, torch.Tensor) and versions is not None and output._version != versions:
            raise RuntimeError(f"Tap {tap!r}: the {self.owner} changed the output of {module_name!r} in place after "
                               f"it was recorded (e.g. a residual add), so it no longer holds the module's output; "
                               f"tap '{module_name}@copy' to record a copy")
        return output

    def clear(self):
        self._outputs.clear()

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
