"""ImageNet stand-in pretraining of the shapes teachers' backbone: the 3/8-width ResNet-101 of
shapes_teacher.py on shapes_pretrain, with the student's recipe (shapes_pretrain_r18.py) on 2000 iterations
(10.7 epochs) instead of 3000: at 1.37 s per iteration on 2 cores (the R18: 0.32 s) 3000 would take 68 minutes.

Trained once by ``python tools/train_zoo_entry.py shapes_pretrain_r101``; loaded by
``train.init_checkpoint = "zoo://shapes_pretrain_r101"``.
"""
from .shapes_pretrain_r18 import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 101
model.backbone.stages.width = 24
model.backbone.stem.out_channels = 24
model.head.in_channels = 768
train.max_iter = 2000
lr_multiplier.warmup_length = 100 / train.max_iter
train.output_dir = "./output/shapes_pretrain_r101"
