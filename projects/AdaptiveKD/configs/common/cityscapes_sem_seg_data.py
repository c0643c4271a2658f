"""Cityscapes semantic segmentation (19 train ids) through detectron2's builtin
``cityscapes_fine_sem_seg_{train,val}``, which reads ``*_gtFine_labelTrainIds.png`` (made by
cityscapesscripts' createTrainIdLabelImgs, see datasets/README.md). 512x1024 crops of 0.5-2x scaled
images, batch 8 as the paper; mIoU / mAcc by SemSegEvaluator and the official IoU / iIoU by
CityscapesSemSegEvaluator (reported as "cityscapes_sem_seg")."""
from detectron2.config import LazyCall as L
from detectron2.evaluation import SemSegEvaluator

from adakd.evaluation import CityscapesOfficialSemSegEvaluator

from .ade20k_data import dataloader

dataloader.train.dataset.names = "cityscapes_fine_sem_seg_train"
dataloader.train.mapper.augmentations[0].short_edge_length = tuple(range(512, 2049, 128))
dataloader.test.dataset.names = "cityscapes_fine_sem_seg_val"
dataloader.test.mapper.augmentations[0].short_edge_length = 1024
dataloader.test.mapper.augmentations[0].max_size = 2048
dataloader.evaluator = [
    L(SemSegEvaluator)(dataset_name="${...test.dataset.names}", output_dir="${....train.output_dir}"),
    L(CityscapesOfficialSemSegEvaluator)(dataset_name="${...test.dataset.names}"),
]
