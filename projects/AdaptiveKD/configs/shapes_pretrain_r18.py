"""ImageNet stand-in pretraining of the shapes student's backbone: the quarter-width ResNet-18 of the shapes
detector and segmentor (common/shapes_gfl.py: BasicStem, BN, zero-initialised residuals), global average pooling
and a linear layer, trained to classify the 24 classes of shapes_pretrain (64×64 images,
adakd/data/shapes_pretrain.py). Inputs are normalised as the detector's (BGR, detectron2's ImageNet mean), so
the weights transfer unchanged.

The recipe is shapes_cls's (AdamW lr 3e-3, weight decay 0.05, gradient clipping 10, 100 warm-up iterations,
cosine to 1 %) for 16 epochs at batch 128: SGD (lr 0.05 and 0.1, momentum 0.9) left the loss at chance
(ln 24) for the 100-300 iterations tried, AdamW 3e-3 leaves it after about 400 (docs/embedded_benchmarks.md).
Trained once by ``python tools/train_zoo_entry.py shapes_pretrain_r18``; the zoo entry holds the backbone under
detectron2's ResNet names with matching heuristics (as detectron2's ImageNet ``R-50.pkl``), so
``train.init_checkpoint = "zoo://shapes_pretrain_r18"`` loads it into any shapes model: the classifier's
``linear`` layer is reported unused, like ``fc1000`` of detectron2's ImageNet weights.
"""
import copy

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L

from adakd.data import PRETRAIN_CLASSES, ClassificationDatasetMapper
from adakd.modeling.meta_arch import ClassificationHead, ImageClassifier

from .common.classification_data import dataloader
from .common.shapes_schedule import lr_multiplier, optimizer, train
from .common.shapes_gfl import model as _detector

backbone = copy.deepcopy(_detector.backbone.bottom_up)
backbone.out_features = ["res5"]

model = L(ImageClassifier)(
    backbone=backbone,
    head=L(ClassificationHead)(in_channels=128, num_classes=len(PRETRAIN_CLASSES), in_feature="res5"),
    pixel_mean=_detector.pixel_mean,
    pixel_std=_detector.pixel_std,
    input_format="BGR",
)

dataloader.train.dataset.names = "shapes_pretrain_train"
dataloader.train.mapper = L(ClassificationDatasetMapper)(
    is_train=True, augmentations=[L(T.RandomFlip)(horizontal=True)], image_format="BGR"
)
dataloader.train.total_batch_size = 128
dataloader.train.num_workers = 0  # images are in memory: a worker process only competes for the 2 cores
dataloader.test.dataset.names = "shapes_pretrain_val"
dataloader.test.mapper = L(ClassificationDatasetMapper)(is_train=False, augmentations=[], image_format="BGR")
dataloader.test.num_workers = 1

optimizer.lr = 3e-3
train.max_iter = 3000  # 16 epochs of 24,000 images at batch 128
lr_multiplier.warmup_length = 100 / train.max_iter
train.checkpointer.period = 1000
train.output_dir = "./output/shapes_pretrain_r18"
