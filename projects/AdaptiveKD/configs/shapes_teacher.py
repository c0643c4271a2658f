"""Teacher of the embedded detection benchmark: GFL on a depth-101 ResNet at 3/8 width (stem 24, stages
96-768 channels), with the student's FPN, head and recipe (common/shapes_schedule.py) -- only the backbone
differs -- on a 2x schedule (2800 iterations, the same warm-up and cosine shape), as the paper's teachers:
LD's R101 -> R18 config (mmdetection configs/ld/ld_r18_gflv1_r101_fpn_coco_1x.py) distils a 1x student from
a 2x GFL R101 teacher. Its backbone starts from the ImageNet stand-in's R101 (zoo entry shapes_pretrain_r101).
Small enough that its fp16 checkpoint fits the repository's model zoo budget.

Trained once by ``python tools/train_zoo_entry.py shapes_gfl_r101_teacher`` and shipped in model_zoo/.
"""
from .shapes_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
model.backbone.bottom_up.stages.width = 24
model.backbone.bottom_up.stem.out_channels = 24

train.init_checkpoint = "zoo://shapes_pretrain_r101"
train.max_iter = 2 * train.max_iter
lr_multiplier.warmup_length /= 2  # the same 100 warm-up iterations
train.checkpointer.period = 700
train.output_dir = "./output/shapes_teacher"
