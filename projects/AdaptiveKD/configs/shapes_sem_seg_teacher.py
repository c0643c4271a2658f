"""Table 4 on the embedded shapes benchmark, "Teacher": Semantic FPN on the shapes ResNet-101 (3/8 width, as
shapes_teacher.py), started from the shipped shapes detection teacher; the student's recipe on a 2x schedule,
as the detection teacher (shapes_teacher.py)."""
from .shapes_sem_seg_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24
train.init_checkpoint = "zoo://shapes_gfl_r101_teacher"
train.max_iter = 2 * train.max_iter
lr_multiplier.warmup_length /= 2  # the same 100 warm-up iterations
train.checkpointer.period = 700
train.output_dir = "./output/shapes_sem_seg_teacher"
