"""Table 4 on the embedded shapes benchmark, "Teacher": Semantic FPN on the shapes ResNet-101 (3/8 width, as
shapes_teacher.py), started from the ImageNet stand-in's R101 (zoo entry shapes_pretrain_r101); the student's
recipe on a 2x schedule, as the detection teacher (shapes_teacher.py)."""
from .shapes_sem_seg_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24
train.init_checkpoint = "zoo://shapes_pretrain_r101"
train.max_iter = 2 * train.max_iter
lr_multiplier.warmup_length /= 2  # the same 100 warm-up iterations
train.checkpointer.period = 700
train.output_dir = "./output/shapes_sem_seg_teacher"
