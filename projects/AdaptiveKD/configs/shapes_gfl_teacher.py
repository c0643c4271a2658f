"""Depth-101 GFL teacher on the embedded shapes benchmark (3/8 width, as shapes_teacher.py)."""
from .common.shapes_data import dataloader
from .common.shapes_gfl import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24

train.output_dir = "./output/shapes_gfl_teacher"
train.max_iter = 3000
train.checkpointer.period = 500
lr_multiplier.warmup_length = 200 / 3000
