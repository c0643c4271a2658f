from .cityscapes_sem_seg import CityscapesOfficialSemSegEvaluator
from .classification_evaluation import ClassificationEvaluator, top1_errors

__all__ = ["CityscapesOfficialSemSegEvaluator", "ClassificationEvaluator", "top1_errors"]

