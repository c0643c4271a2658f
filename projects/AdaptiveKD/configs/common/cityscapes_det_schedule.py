"""The paper's Cityscapes detection schedule (§4): SGD, lr 0.01, batch 8, 64 epochs, lr ÷10 after epoch 56.

Backbones start from the COCO-trained detectors (the paper: "COCO pretrained weights"); their
80-class output layers do not match the 8 Cityscapes classes and are skipped by the checkpointer.
"""
from fvcore.common.param_scheduler import MultiStepParamScheduler

from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

from .coco_schedule import optimizer, train

BATCH_SIZE = 8
ITERS_PER_EPOCH = 2975 // BATCH_SIZE  # gtFine train

optimizer.lr = 0.01

train.max_iter = 64 * ITERS_PER_EPOCH
train.eval_period = 8 * ITERS_PER_EPOCH
train.checkpointer.period = 8 * ITERS_PER_EPOCH
train.init_checkpoint = "output/coco_student/model_final.pth"

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1], milestones=[56 * ITERS_PER_EPOCH], num_updates=train.max_iter
    ),
    warmup_length=500 / train.max_iter,
    warmup_factor=0.001,
)
