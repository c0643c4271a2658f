from .distill_dense_detector import DistillDenseDetector
from .gfl import GFL, GFLHead
