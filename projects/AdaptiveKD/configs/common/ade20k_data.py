"""ADE20K SceneParsing (150 classes) through detectron2's builtin ``ade20k_sem_seg_{train,val}``
($DETECTRON2_DATASETS/ADEChallengeData2016 with ``annotations_detectron2/`` made by
datasets/prepare_ade20k_sem_seg.py). Batch 8 of 512x1024 crops as the paper; scales 0.5-2x of 512;
mIoU / mAcc by SemSegEvaluator."""
from omegaconf import OmegaConf

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import (
    DatasetMapper,
    build_detection_test_loader,
    build_detection_train_loader,
    get_detection_dataset_dicts,
)
from detectron2.evaluation import SemSegEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="ade20k_sem_seg_train", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=True,
        augmentations=[
            L(T.ResizeShortestEdge)(short_edge_length=tuple(range(256, 1025, 64)), max_size=4096, sample_style="choice"),
            L(T.RandomCrop_CategoryAreaConstraint)(
                crop_type="absolute", crop_size=(512, 1024), single_category_max_area=1.0, ignored_category=255
            ),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="RGB",
    ),
    total_batch_size=8,
    num_workers=4,
)

dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="ade20k_sem_seg_val", filter_empty=False),
    mapper=L(DatasetMapper)(
        is_train=False,
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=512, max_size=2048)],
        image_format="${...train.mapper.image_format}",
    ),
    num_workers=4,
)

dataloader.evaluator = L(SemSegEvaluator)(dataset_name="${..test.dataset.names}", output_dir="${...train.output_dir}")
