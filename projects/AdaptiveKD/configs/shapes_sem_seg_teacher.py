"""Table 4 on the embedded shapes benchmark, "Teacher": Semantic FPN on the shapes ResNet-101 (half width),
started from the shipped shapes detection teacher's backbone."""
from .shapes_sem_seg_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
train.init_checkpoint = "zoo://shapes_retinanet_r101_teacher"
train.output_dir = "./output/shapes_sem_seg_teacher"
