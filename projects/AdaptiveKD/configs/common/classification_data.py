"""Classification loaders (§4): CIFAR-sized images with random horizontal flips only, as in the paper;
CIFAR-100 by default (``cifar10_*`` and ``shapes_cls_*`` configs change the names). Evaluated by top-1
error and, with a teacher, top-1 agreement error."""
from omegaconf import OmegaConf

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_test_loader, build_detection_train_loader, get_detection_dataset_dicts

import adakd.data  # noqa: F401  registers the classification datasets
from adakd.data import ClassificationDatasetMapper
from adakd.evaluation import ClassificationEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="cifar100_train", filter_empty=False),
    mapper=L(ClassificationDatasetMapper)(
        is_train=True, augmentations=[L(T.RandomFlip)(horizontal=True)], image_format="RGB"
    ),
    total_batch_size=128,
    aspect_ratio_grouping=False,
    num_workers=4,
)

dataloader.test = L(build_detection_test_loader)(
    dataset=L(get_detection_dataset_dicts)(names="cifar100_test", filter_empty=False),
    mapper=L(ClassificationDatasetMapper)(is_train=False, augmentations=[], image_format="RGB"),
    batch_size=128,
    num_workers=4,
)

# Set teacher_config and teacher_weights (e.g. on the command line) to measure a plain student's top-1
# agreement error with a teacher; distillation configs report it without them.
dataloader.evaluator = L(ClassificationEvaluator)(
    dataset_name="${..test.dataset.names}", teacher_config=None, teacher_weights=None
)
