"""Depth-101 RetinaNet teacher on the embedded shapes benchmark, at 3/8 width (stem 24, stages 96-768
channels): about twice the student's parameters and 2.4 times its FLOPs (the paper's R101: 4.3 times an R18),
small enough that its fp16 checkpoint (13.5 MB) fits the repository's model zoo budget (60 MB).

Trained once by ``python tools/train_zoo_entry.py shapes_retinanet_r101_teacher`` and shipped in model_zoo/.
"""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24

train.output_dir = "./output/shapes_teacher"
train.max_iter = 3000
train.checkpointer.period = 500
lr_multiplier.warmup_length = 200 / 3000
