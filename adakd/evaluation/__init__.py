from .cityscapes_sem_seg import CityscapesOfficialSemSegEvaluator

__all__ = ["CityscapesOfficialSemSegEvaluator"]
