"""Taps: record a named module's output with a forward hook, so models stay unmodified detectron2 models.

A tap is written ``"<module name>"`` or ``"<module name>:<key>[:<key>...]"``; each key selects from an
output that is a dict (``"backbone:p3"``, an FPN level) or a tuple/list (``"head:0:2"``, RetinaNet's
classification logits of the third level).
"""
import difflib

from torch import nn


def parse_tap(tap):
    """``"head:0:2"`` → ``("head", (0, 2))``; keys that are integers index tuples and lists."""
    module_name, *keys = str(tap).split(":")
    return module_name, tuple(int(k) if k.lstrip("-").isdigit() else k for k in keys)


class FeatureRecorder:
    """Records, on every forward of ``model``, the outputs of the modules named by ``taps``."""

    def __init__(self, model: nn.Module, taps, owner="model"):
        self.owner = owner
        self._outputs = {}
        self._handles = []
        modules = dict(model.named_modules())
        for module_name in dict.fromkeys(parse_tap(t)[0] for t in taps):
            if module_name not in modules:
                close = difflib.get_close_matches(module_name, list(modules), n=3)
                hint = f" Close matches: {', '.join(close)}." if close else ""
                raise KeyError(f"Tap {module_name!r}: the {owner} has no module named {module_name!r}.{hint}")
            self._handles.append(modules[module_name].register_forward_hook(self._make_hook(module_name)))

    def _make_hook(self, module_name):
        def hook(module, inputs, output):
            self._outputs[module_name] = output

        return hook

    def get(self, tap):
        module_name, keys = parse_tap(tap)
        if module_name not in self._outputs:
            raise RuntimeError(
                f"Tap {tap!r}: module {module_name!r} of the {self.owner} did not run in the last forward pass"
            )
        output = self._outputs[module_name]
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
