"""Depth-101 RetinaNet teacher on the embedded shapes benchmark (half-width stages to fit the CPU).

Trained once by tools/train_shapes_teacher.sh and shipped in model_zoo/.
"""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

model.backbone.bottom_up.stem.out_channels = 32
model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 32

train.output_dir = "./output/shapes_teacher"
train.max_iter = 3000
train.checkpointer.period = 500
lr_multiplier.warmup_length = 200 / 3000
