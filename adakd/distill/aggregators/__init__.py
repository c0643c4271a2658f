from .adaptive import NO_WEIGHT_DECAY, AdaptiveAggregator, learned_weight_overrides
from .adaptive_layerwise import AdaptiveLayerwiseAggregator
from .aligned_mtl import AlignedMTLAggregator, aligned_mtl_weights
from .base import PathAggregator
from .cagrad import CAGradAggregator, cagrad_weights
from .db_mtl import DBMTLAggregator
from .dwa import DWAAggregator
from .equal import EqualAggregator
from .famo import FAMOAggregator
from .gradient_based import GradientAggregator
from .gradnorm import GradNormAggregator
from .hand_tuned import HandTunedAggregator
from .imtl_g import IMTLGAggregator, imtl_g_weights
from .min_norm import min_norm_weights, min_norm_weights_from_gram
from .multiobjective import MultiObjectiveAggregator
from .nash_mtl import NashMTLAggregator, nash_weights
from .pcgrad import PCGradAggregator, pcgrad_weights
from .rlw import RLWAggregator, rlw_weights
from .uncertainty import UncertaintyAggregator
from .uw_so import UWSOAggregator, uw_so_weights
from .build import AGGREGATOR_METHODS, GRADIENT_METHODS, build_aggregator
