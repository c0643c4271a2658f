from .distill_classifier import DistillClassifier
from .distill_dense_detector import DistillDenseDetector
from .distill_gfl import DistillGFL
from .distill_retinanet import DistillRetinaNet
from .distill_semantic_fpn import DistillSemanticFPN
from .distilled_model import DistilledModel
from .gfl import GFL, GFLHead
from .image_classifier import ClassificationHead, ImageClassifier
from .retinanet import RetinaNet
