"""``build_aggregator(method, ...)``: the aggregators by the names the paper uses."""
import difflib

from .adaptive import AdaptiveAggregator
from .adaptive_layerwise import AdaptiveLayerwiseAggregator
from .equal import EqualAggregator
from .hand_tuned import HandTunedAggregator
from .multiobjective import MultiObjectiveAggregator

AGGREGATOR_METHODS = ("equal", "hand_tuned", "adaptive", "adaptive_layerwise", "multiobjective")


def build_aggregator(method, path_names, alpha=1.0, init_weights=None, params=None):
    """Returns the aggregator ``method`` over ``path_names``.

    init_weights: v per path (dict or sequence): the fixed weights of ``hand_tuned`` (required) and the
    starting weights of ``adaptive`` / ``adaptive_layerwise`` (default 1). params: the student's
    parameters, required by ``multiobjective`` only.
    """
    if method == "equal":
        return EqualAggregator(path_names, alpha)
    if method == "hand_tuned":
        if init_weights is None:
            raise ValueError("hand_tuned aggregation needs init_weights: the fixed weight of every path")
        return HandTunedAggregator(path_names, init_weights, alpha)
    if method == "adaptive":
        return AdaptiveAggregator(path_names, alpha, init_weights)
    if method == "adaptive_layerwise":
        return AdaptiveLayerwiseAggregator(path_names, alpha, init_weights)
    if method == "multiobjective":
        return MultiObjectiveAggregator(path_names, params, alpha)
    close = difflib.get_close_matches(str(method), AGGREGATOR_METHODS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Unknown aggregation method {method!r}; valid: {', '.join(AGGREGATOR_METHODS)}.{hint}")
