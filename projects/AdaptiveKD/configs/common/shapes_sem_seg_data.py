"""Semantic-segmentation loaders for the embedded shapes benchmark (``shapes_sem_seg_*``: 128 px, no
resizing), evaluated by SemSegEvaluator (mIoU, mAcc)."""
from detectron2.config import LazyCall as L
from detectron2.evaluation import SemSegEvaluator

from .shapes_data import dataloader

dataloader.train.dataset.names = "shapes_sem_seg_train"
dataloader.train.dataset.filter_empty = False
dataloader.test.dataset.names = "shapes_sem_seg_val"
dataloader.evaluator = L(SemSegEvaluator)(dataset_name="${..test.dataset.names}", output_dir="${...train.output_dir}")
