"""Table 5, "Teacher": GFL ResNet-101 FPN on COCO. As LD's teacher (``gfl_r101_fpn_mstrain_2x``): 24 epochs
with multi-scale training (short edge 480-800), lr ÷10 after epochs 16 and 22.

    python tools/convert_torchvision_resnet.py --depth 101 --output pretrained/R-101.pkl
    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/coco_teacher.py --num-gpus 8
"""
from .common.coco_schedule import ITERS_PER_EPOCH
from .coco_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
dataloader.train.mapper.augmentations[0].short_edge_length = tuple(range(480, 801, 32))

train.max_iter = 24 * ITERS_PER_EPOCH
train.init_checkpoint = "pretrained/R-101.pkl"
train.output_dir = "./output/coco_teacher"
lr_multiplier.scheduler.milestones = [16 * ITERS_PER_EPOCH, 22 * ITERS_PER_EPOCH]
lr_multiplier.scheduler.num_updates = train.max_iter
lr_multiplier.warmup_length = 500 / train.max_iter
