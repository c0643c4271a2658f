"""``build_aggregator(method, ...)``: the aggregators by the names the paper (and the multitask literature) uses."""
import difflib
import inspect

from .adaptive import AdaptiveAggregator
from .adaptive_layerwise import AdaptiveLayerwiseAggregator
from .aligned_mtl import AlignedMTLAggregator
from .cagrad import CAGradAggregator
from .db_mtl import DBMTLAggregator
from .dwa import DWAAggregator
from .equal import EqualAggregator
from .famo import FAMOAggregator
from .gradnorm import GradNormAggregator
from .hand_tuned import HandTunedAggregator
from .imtl_g import IMTLGAggregator
from .multiobjective import MultiObjectiveAggregator
from .nash_mtl import NashMTLAggregator
from .pcgrad import PCGradAggregator
from .rlw import RLWAggregator
from .uncertainty import UncertaintyAggregator
from .uw_so import UWSOAggregator

# The multitask balancers: method name → class. Their options are their constructors' keyword arguments.
BALANCERS = {
    "uncertainty": UncertaintyAggregator,
    "dwa": DWAAggregator,
    "gradnorm": GradNormAggregator,
    "pcgrad": PCGradAggregator,
    "cagrad": CAGradAggregator,
    "imtl_g": IMTLGAggregator,
    "nash_mtl": NashMTLAggregator,
    "famo": FAMOAggregator,
    "rlw": RLWAggregator,
    "aligned_mtl": AlignedMTLAggregator,
    "db_mtl": DBMTLAggregator,
    "uw_so": UWSOAggregator,
}
AGGREGATOR_METHODS = ("equal", "hand_tuned", "adaptive", "adaptive_layerwise", "multiobjective", *BALANCERS)
# Methods that combine per-path gradients: the Distiller gives them the student's parameters.
GRADIENT_METHODS = ("multiobjective", "gradnorm", "pcgrad", "cagrad", "imtl_g", "nash_mtl", "aligned_mtl", "db_mtl")


def build_aggregator(method, path_names, alpha=1.0, init_weights=None, params=None, representation=None,
                     **options):
    """Returns the aggregator ``method`` over ``path_names``.

    init_weights: v per path (dict or sequence): the fixed weights of ``hand_tuned`` (required) and the
    starting weights of ``adaptive`` / ``adaptive_layerwise`` (default 1). params: the student's
    parameters, over which the gradient methods (``GRADIENT_METHODS``) take each path's gradient;
    representation: a student tap (or list) at which they take it instead (MGDA-UB). options: a balancer's
    hyper-parameters (e.g. ``c=`` for cagrad, ``temperature=`` for dwa), defaults from its paper.
    """
    if method not in AGGREGATOR_METHODS:
        close = difflib.get_close_matches(str(method), AGGREGATOR_METHODS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown aggregation method {method!r}; valid: {', '.join(AGGREGATOR_METHODS)}.{hint}")
    cls = BALANCERS.get(method, MultiObjectiveAggregator if method == "multiobjective" else None)
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "path_names", "alpha", "params",
                                                                  "representation"} if cls else set()
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(f"Aggregation method {method!r} has no option {unknown}; its options: "
                         f"{sorted(accepted) or 'none'}")
    if representation is not None and method not in GRADIENT_METHODS:
        raise ValueError(f"Aggregation method {method!r} takes no per-path gradients, so no `representation`; "
                         f"the methods that do: {', '.join(GRADIENT_METHODS)}")
    if init_weights is not None and method in BALANCERS:
        raise ValueError(f"Aggregation method {method!r} sets its own weights; it takes no init_weights")
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
    if method in GRADIENT_METHODS:
        return cls(path_names, params=params, alpha=alpha, representation=representation, **options)
    return cls(path_names, alpha=alpha, **options)
