from .adaptive import NO_WEIGHT_DECAY, AdaptiveAggregator
from .adaptive_layerwise import AdaptiveLayerwiseAggregator
from .base import PathAggregator
from .equal import EqualAggregator
from .hand_tuned import HandTunedAggregator
from .min_norm import min_norm_weights
from .multiobjective import MultiObjectiveAggregator
from .build import AGGREGATOR_METHODS, build_aggregator
