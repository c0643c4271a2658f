"""Table 2 (ImageNet-1K), "Student": the standard ResNet-18 (detectron2's 7×7 stem + max-pool) on 224×224
crops (random crop of the 256-short-edge image and random flips; centre crop at test); 100 epochs at batch
256, SGD lr 0.1 multiplied by 0.1 at epochs 30, 60 and 90 (§4)."""
import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.modeling.backbone import BasicStem

from adakd.data import CenterCrop

from .common.classification_data import dataloader
from .common.classification_schedule import epoch_schedule, optimizer, train
from .common.classifier_r18 import model

dataloader.train.dataset.names = "imagenet1k_train"
dataloader.train.total_batch_size = 256
dataloader.train.mapper.augmentations = [
    L(T.ResizeShortestEdge)(short_edge_length=(256,), max_size=100000, sample_style="choice"),
    L(T.RandomCrop)(crop_type="absolute", crop_size=(224, 224)),
    L(T.RandomFlip)(horizontal=True),
]
dataloader.test.dataset.names = "imagenet1k_val"
dataloader.test.mapper.augmentations = [
    L(T.ResizeShortestEdge)(short_edge_length=256, max_size=100000),
    L(CenterCrop)(crop_size=(224, 224)),
]
model.backbone.stem = L(BasicStem)(in_channels=3, out_channels=64, norm="BN")
model.head.num_classes = 1000
model.pixel_mean = [123.675, 116.280, 103.530]  # ImageNet statistics, RGB
model.pixel_std = [58.395, 57.120, 57.375]
optimizer.weight_decay = 1e-4
train.max_iter, lr_multiplier = epoch_schedule(1281167, 256, epochs=100, milestones=[30, 60, 90], gamma=0.1)
train.output_dir = "./output/imagenet1k_student"
