"""Taps: record a named module's output with a forward hook, so models stay unmodified detectron2 models.

A tap is written ``"<module name>"`` or ``"<module name>:<key>[:<key>...]"``; each key selects from an
output that is a dict (``"backbone:p3"``, an FPN level) or a tuple/list (``"head:0:2"``, RetinaNet's
classification logits of the third level). A module that runs several times in one forward pass (a head's
conv tower, shared by the FPN levels and run once per level) is tapped per call with ``"<module name>@<call>"``
(``"head.cls_subnet.7@2"``: its output on the third level); without ``@`` a tap reads the last call.
"""
import difflib

from torch import nn


def parse_tap(tap):
    """``"head:0:2"`` → ``("head", (0, 2))``; keys that are integers index tuples and lists. The module name
    keeps a ``@<call>`` suffix (see ``split_call``)."""
    module_name, *keys = str(tap).split(":")
    return module_name, tuple(int(k) if k.lstrip("-").isdigit() else k for k in keys)


def split_call(module_name):
    """``"head.cls_subnet.7@2"`` → ``("head.cls_subnet.7", 2)``; no ``@``: ``(module_name, None)`` (the last call)."""
    name, at, call = module_name.partition("@")
    if not at:
        return name, None
    if not call.isdigit():
        raise ValueError(f"Tap {module_name!r}: the call after '@' must be a number >= 0, got {call!r}")
    return name, int(call)


class FeatureRecorder:
    """Records, on every forward of ``model``, the outputs of the modules named by ``taps``."""

    def __init__(self, model: nn.Module, taps, owner="model"):
        self.owner = owner
        self._outputs = {}
        self._handles = []
        modules = dict(model.named_modules())
        for module_name in dict.fromkeys(split_call(parse_tap(t)[0])[0] for t in taps):
            if module_name not in modules:
                close = difflib.get_close_matches(module_name, list(modules), n=3)
                hint = f" Close matches: {', '.join(close)}." if close else ""
                raise KeyError(f"Tap {module_name!r}: the {owner} has no module named {module_name!r}.{hint}")
            self._handles.append(modules[module_name].register_forward_hook(self._make_hook(module_name)))
        # Each forward of the whole model starts afresh: the calls of one pass are kept, never those of every
        # pass (evaluation runs the student batch after batch, and nothing reads its taps).
        self._handles.append(model.register_forward_pre_hook(lambda module, inputs: self.clear()))

    def _make_hook(self, module_name):
        def hook(module, inputs, output):
            self._outputs.setdefault(module_name, []).append(output)  # every call of this forward pass

        return hook

    def get(self, tap):
        module_name, keys = parse_tap(tap)
        module_name, call = split_call(module_name)
        if module_name not in self._outputs:
            raise RuntimeError(
                f"Tap {tap!r}: module {module_name!r} of the {self.owner} did not run in the last forward pass"
            )
        calls = self._outputs[module_name]
        if call is not None and call >= len(calls):
            raise RuntimeError(f"Tap {tap!r}: module {module_name!r} of the {self.owner} ran {len(calls)} time(s) in "
                               f"the last forward pass, the tap reads call {call} (counted from 0)")
        output = calls[-1 if call is None else call]
        for k in keys:
            try:
                output = output[k]
            except (KeyError, IndexError, TypeError) as e:
                available = list(output.keys()) if isinstance(output, dict) else f"a {type(output).__name__}"
                raise KeyError(f"Tap {tap!r}: no entry {k!r} in the output of {module_name!r} ({available})") from e
        return output

    def clear(self):
        self._outputs.clear()

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
