"""The shapes segmentation student with the paper's optimiser instead of the recipe's AdamW: SGD (momentum 0.9,
weight decay 1e-4), 100 warm-up iterations, poly decay (power 0.9). Kept to reproduce the recipe probe of
docs/embedded_benchmarks.md (lr 0.01: 35.5 mIoU against AdamW's 45.4); not a benchmark row."""
from fvcore.common.param_scheduler import PolynomialDecayParamScheduler

from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler

from .shapes_sem_seg_student import dataloader, model, train

optimizer = model_zoo.get_config("common/optim.py").SGD
optimizer.lr = 0.01
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(PolynomialDecayParamScheduler)(base_value=1.0, power=0.9),
    warmup_length=100 / 1400,
    warmup_factor=0.001,
)
train.output_dir = "./output/shapes_sem_seg_student_sgd"
