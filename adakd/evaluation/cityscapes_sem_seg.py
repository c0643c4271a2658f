"""detectron2's CityscapesSemSegEvaluator under its own result key.

It and SemSegEvaluator both report under ``"sem_seg"``, and DatasetEvaluators refuses duplicate keys; a
Cityscapes config that wants the paper's mIoU / mAcc (SemSegEvaluator) and the official cityscapesscripts
numbers (IoU, iIoU) runs both, so this one reports under ``"cityscapes_sem_seg"``.
"""
from detectron2.evaluation import CityscapesSemSegEvaluator


class CityscapesOfficialSemSegEvaluator(CityscapesSemSegEvaluator):
    RESULT_KEY = "cityscapes_sem_seg"

    def evaluate(self):
        results = super().evaluate()
        if results is None:  # non-main processes
            return None
        return {self.RESULT_KEY: results["sem_seg"]}
