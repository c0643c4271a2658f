"""Depth-101 RetinaNet teacher on the embedded shapes benchmark (half-width stages, as the student).

Trained once by ``python tools/train_zoo_entry.py shapes_retinanet_r101_teacher`` and shipped in model_zoo/.
"""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

model.backbone.bottom_up.stages.depth = 101

train.output_dir = "./output/shapes_teacher"
train.max_iter = 3000
train.checkpointer.period = 500
lr_multiplier.warmup_length = 200 / 3000
