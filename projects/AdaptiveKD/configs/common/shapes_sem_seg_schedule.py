"""The paper's segmentation schedule (SGD lr 0.01, poly 0.9) at CPU scale: 1000 iterations of batch 8.

Backbones start from the shipped shapes detectors, which play the role of the paper's ImageNet weights
(trained on the same images, on another task); the detection heads are skipped by the checkpointer.
"""
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler

from detectron2.config import LazyCall as L

from .shapes_schedule import optimizer, train

optimizer.lr = 0.01
train.max_iter = 1000
train.init_checkpoint = "zoo://shapes_retinanet_r18_student"
lr_multiplier = L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9)
