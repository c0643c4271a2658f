"""The distillation engine: paths (taps + adapter + loss), aggregators, and the Distiller that runs them."""
from .adapter import FeatureAdapter
from .aggregators import (
    AGGREGATOR_METHODS,
    GRADIENT_METHODS,
    NO_WEIGHT_DECAY,
    AdaptiveAggregator,
    AdaptiveLayerwiseAggregator,
    EqualAggregator,
    HandTunedAggregator,
    MultiObjectiveAggregator,
    PathAggregator,
    build_aggregator,
    learned_weight_overrides,
    min_norm_weights,
)
from .diagnostics import GradientDiagnostics
from .distiller import Distiller, freeze
from .path import DistillPath, PooledLoss
from .path_gradients import PathGradients, average_over_processes, flat_gradients
from .taps import FeatureRecorder
