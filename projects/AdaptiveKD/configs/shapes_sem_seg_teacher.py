"""Table 4 on the embedded shapes benchmark, "Teacher": Semantic FPN on the shapes ResNet-101 (3/8 width, as
shapes_teacher.py), started from the shipped shapes detection teacher's backbone."""
from .shapes_sem_seg_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24
train.init_checkpoint = "zoo://shapes_retinanet_r101_teacher"
train.output_dir = "./output/shapes_sem_seg_teacher"
