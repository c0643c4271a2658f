"""Optimiser, LR schedule and trainer settings for CPU-sized shapes runs."""
from fvcore.common.param_scheduler import MultiStepParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.02

train = model_zoo.get_config("common/train.py").train
train.max_iter = 1000
train.output_dir = "./output/shapes"
train.checkpointer.period = 1000
train.checkpointer.max_to_keep = 2
train.eval_period = 0  # evaluate once, at the end
train.log_period = 20
train.device = "cuda"  # tools/lazyconfig_train_net.py falls back to the CPU when no GPU is present
train.seed = 0
train.grad_clip = dict(enabled=True, max_norm=10.0)

lr_multiplier = L(WarmupParamScheduler)(
    # Milestones are fractions of train.max_iter (the scheduler is scale-invariant): decay at 6/7.
    scheduler=L(MultiStepParamScheduler)(values=[1.0, 0.1], milestones=[6, 7]),
    warmup_length=100 / 1000,
    warmup_factor=0.001,
)
