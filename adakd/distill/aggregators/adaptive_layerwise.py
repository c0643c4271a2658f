"""Adaptive distillation with one weight per path per layer.

A layerwise path "at" tapping res2..res5 reports one loss per layer, named "at.res2", ... ; each gets its
own z (Eq. 5 applied to layers). Initial weights may be given per path ("at": 1000 applies to every
"at.*" layer) or per layer.
"""
from .adaptive import AdaptiveAggregator


class AdaptiveLayerwiseAggregator(AdaptiveAggregator):
    def __init__(self, path_names, alpha=1.0, init_weights=None):
        path_names = list(path_names)
        if init_weights is not None and hasattr(init_weights, "items"):
            expanded = {}
            for key, value in init_weights.items():
                layers = [n for n in path_names if n == key or n.startswith(f"{key}.")]
                if not layers:
                    raise KeyError(
                        f"{type(self).__name__}: weight given for {key!r}, which names no path or layer in "
                        f"{path_names}"
                    )
                expanded.update({n: value for n in layers if n not in expanded or n == key})
            init_weights = expanded
        super().__init__(path_names, alpha, init_weights)
