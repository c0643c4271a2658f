"""Table 4 (ADE20K), "Adaptive" AT + ST: the ResNet-18 Semantic FPN learns from the frozen ResNet-101 one
through attention transfer (res3-res5) and per-pixel soft targets, path weights v = e^-z learned (Eq. 5).

    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/ade20k_adaptive.py --num-gpus 8
"""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY
from adakd.modeling.meta_arch import DistillSemanticFPN

from .ade20k_student import dataloader, lr_multiplier, optimizer, train
from .ade20k_student import model as student
from .ade20k_teacher import model as teacher
from .common.segmentation_paths import at, st

model = L(DistillSemanticFPN)(
    student=student,
    teacher=teacher,
    teacher_weights="output/ade20k_teacher/model_final.pth",
    paths=[at, st],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
)

optimizer.params.overrides = NO_WEIGHT_DECAY  # the log-weights z are not decayed
train.output_dir = "./output/ade20k_adaptive"
