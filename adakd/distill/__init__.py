"""The distillation engine: paths (taps + adapter + loss), aggregators, and the Distiller that runs them."""
from .adapter import FeatureAdapter
from .aggregators import (
    AGGREGATOR_METHODS,
    NO_WEIGHT_DECAY,
    AdaptiveAggregator,
    AdaptiveLayerwiseAggregator,
    EqualAggregator,
    HandTunedAggregator,
    MultiObjectiveAggregator,
    PathAggregator,
    build_aggregator,
    min_norm_weights,
)
from .distiller import Distiller, freeze
from .path import DistillPath, PooledLoss
from .taps import FeatureRecorder
