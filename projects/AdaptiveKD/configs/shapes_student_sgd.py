"""The shapes detection student with the paper's optimiser instead of the recipe's AdamW: SGD (momentum 0.9,
weight decay 1e-4), 100 warm-up iterations, then mmdetection's 1x step shape (×0.1 at 2/3 and 11/12 of the run).
Kept to reproduce the recipe probes of docs/embedded_benchmarks.md (lr 0.01 / 0.02 / 0.04: 31.8 / 34.9 / 34.9 AP
against AdamW's 39.9); not a benchmark row."""
from fvcore.common.param_scheduler import MultiStepParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

from .shapes_student import dataloader, model, train

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.01
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(values=[1.0, 0.1, 0.01], milestones=[933, 1283], num_updates=1400),
    warmup_length=100 / 1400,
    warmup_factor=0.001,
)
train.output_dir = "./output/shapes_student_sgd"
