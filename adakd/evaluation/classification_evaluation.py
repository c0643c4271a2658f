"""Top-1 error and top-1 agreement error (the paper's Tables 2 and 3).

The agreement error of Stanton et al., "Does Knowledge Distillation Really Work?", NeurIPS 2021, is the
percentage of images on which the student's top-1 class differs from the teacher's, whatever the label.
"""
import itertools
import logging
from collections import OrderedDict

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.evaluation import DatasetEvaluator
from detectron2.utils import comm

from ..modeling.teacher_weights import load_teacher_weights

logger = logging.getLogger(__name__)


def top1_errors(student_pred, labels, teacher_pred=None):
    """Percentages: ``top1_err`` of the student and, given the teacher's predictions, ``teacher_top1_err`` and
    ``top1_agreement_err`` (student vs teacher top-1)."""
    student_pred, labels = torch.as_tensor(student_pred), torch.as_tensor(labels)
    if len(student_pred) != len(labels) or len(labels) == 0:
        raise ValueError(f"top1_errors: {len(student_pred)} predictions for {len(labels)} labels")
    results = {"top1_err": 100.0 * (student_pred != labels).double().mean().item()}
    if teacher_pred is not None:
        teacher_pred = torch.as_tensor(teacher_pred)
        if len(teacher_pred) != len(labels):
            raise ValueError(f"top1_errors: {len(teacher_pred)} teacher predictions for {len(labels)} labels")
        results["teacher_top1_err"] = 100.0 * (teacher_pred != labels).double().mean().item()
        results["top1_agreement_err"] = 100.0 * (student_pred != teacher_pred).double().mean().item()
    return results


class ClassificationEvaluator(DatasetEvaluator):
    """Reads ``"logits"`` of the model's outputs and, for the agreement error, the teacher's: the
    ``"teacher_logits"`` that DistillClassifier returns, or those of a teacher given here (so a plain
    student checkpoint can be compared with a teacher). Results go under ``"classification"``."""

    def __init__(self, dataset_name=None, teacher=None, teacher_config=None, teacher_weights=None):
        """
        Args:
            dataset_name: for the log only.
            teacher: an ImageClassifier with trained weights, or None.
            teacher_config, teacher_weights: alternatively, a LazyConfig file whose ``model`` is the teacher
                and its weights (path, URL or ``zoo://``): usable as command-line overrides.
        """
        self.dataset_name = dataset_name
        if teacher is None and (teacher_config or teacher_weights):
            if not (teacher_config and teacher_weights):
                raise ValueError("ClassificationEvaluator: give both teacher_config and teacher_weights")
            teacher = load_teacher_weights(instantiate(LazyConfig.load(teacher_config).model), teacher_weights)
        self.teacher = teacher.eval() if teacher is not None else None
        self.reset()

    def reset(self):
        self._labels, self._student, self._teacher = [], [], []

    def process(self, inputs, outputs):
        logits = torch.stack([o["logits"] for o in outputs])
        if "teacher_logits" in outputs[0]:
            teacher_logits = torch.stack([o["teacher_logits"] for o in outputs])
        elif self.teacher is not None:
            self.teacher.to(logits.device)
            with torch.no_grad():
                teacher_logits = torch.stack([o["logits"] for o in self.teacher(inputs)])
        else:
            teacher_logits = None
        self._labels += [int(x["label"]) for x in inputs]
        self._student += logits.argmax(dim=1).tolist()
        if teacher_logits is not None:
            self._teacher += teacher_logits.argmax(dim=1).tolist()

    def evaluate(self):
        labels = list(itertools.chain(*comm.gather(self._labels)))
        student = list(itertools.chain(*comm.gather(self._student)))
        teacher = list(itertools.chain(*comm.gather(self._teacher)))
        if not comm.is_main_process():
            return {}
        if not labels:
            logger.warning("ClassificationEvaluator: no predictions were processed")
            return {}
        if teacher and len(teacher) != len(labels):
            raise RuntimeError(
                f"ClassificationEvaluator: teacher predictions for {len(teacher)} of {len(labels)} images"
            )
        results = top1_errors(student, labels, teacher or None)
        logger.info(f"Classification on {self.dataset_name or 'the test set'} ({len(labels)} images): {results}")
        return OrderedDict(classification=results)
