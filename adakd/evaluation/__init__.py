from .cityscapes_sem_seg import CityscapesOfficialSemSegEvaluator
from .classification_evaluation import ClassificationEvaluator, top1_errors
from .named_objects import count_named_objects

__all__ = ["CityscapesOfficialSemSegEvaluator", "ClassificationEvaluator", "count_named_objects", "top1_errors"]

