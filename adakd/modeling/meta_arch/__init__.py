from .distill_dense_detector import DistillDenseDetector
from .distill_gfl import DistillGFL
from .gfl import GFL, GFLHead
