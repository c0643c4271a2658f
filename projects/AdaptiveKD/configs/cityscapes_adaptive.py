"""Table 5 (Cityscapes), "Adaptive" (Feats_P + Box): the student learns from the frozen Cityscapes teacher
through FPN-feature imitation and localization distillation, path weights v = e^-z learned (Eq. 5).
"""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY
from adakd.modeling.meta_arch import DistillGFL

from .cityscapes_student import dataloader, lr_multiplier, optimizer, train
from .cityscapes_student import model as student
from .cityscapes_teacher import model as teacher
from .common.detection_paths import box_gfl, feats_p

model = L(DistillGFL)(
    student=student,
    teacher=teacher,
    teacher_weights="output/cityscapes_teacher/model_final.pth",
    paths=[feats_p, box_gfl],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
)

optimizer.params.overrides = NO_WEIGHT_DECAY  # the log-weights z are not decayed
train.output_dir = "./output/cityscapes_adaptive"
