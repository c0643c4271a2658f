"""The paper's COCO schedule (§4): SGD, lr 0.02, batch 8, 12 epochs, lr ÷10 after epochs 8 and 11."""
from fvcore.common.param_scheduler import MultiStepParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

BATCH_SIZE = 8
# coco_2017_train after detectron2 drops the images without annotations.
ITERS_PER_EPOCH = 117266 // BATCH_SIZE

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.02

train = model_zoo.get_config("common/train.py").train
train.max_iter = 12 * ITERS_PER_EPOCH
train.eval_period = ITERS_PER_EPOCH * 4
train.checkpointer.period = ITERS_PER_EPOCH
train.init_checkpoint = "pretrained/R-18.pkl"  # tools/convert_torchvision_resnet.py --depth 18

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1, 0.01],
        milestones=[8 * ITERS_PER_EPOCH, 11 * ITERS_PER_EPOCH],
        num_updates=train.max_iter,
    ),
    warmup_length=500 / train.max_iter,
    warmup_factor=0.001,
)
