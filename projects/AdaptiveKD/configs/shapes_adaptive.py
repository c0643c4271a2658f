"""Table 5 on the embedded shapes benchmark, "Adaptive" (Feats_P + Box): the quarter-width ResNet-18 GFL student
learns from the shipped ResNet-101 GFL teacher through FPN-feature imitation and localization distillation,
path weights v = e^-z learned (Eq. 5). Same recipe as the student trained alone (shapes_student.py).
"""
from detectron2.config import LazyCall as L

from adakd.distill import learned_weight_overrides
from adakd.modeling.meta_arch import DistillGFL

from .common.detection_paths import box_gfl, feats_p
from .common.shapes_schedule import LEARNED_WEIGHT_LR
from .shapes_student import dataloader, lr_multiplier, optimizer, train
from .shapes_student import model as student
from .shapes_teacher import model as teacher

model = L(DistillGFL)(
    student=student,
    teacher=teacher,
    teacher_weights="zoo://shapes_gfl_r101_teacher",
    paths=[feats_p, box_gfl],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
)

# z is not decayed and has a learning rate of its own (common/shapes_schedule.py says why).
optimizer.params.overrides = learned_weight_overrides(lr=LEARNED_WEIGHT_LR)
train.output_dir = "./output/shapes_adaptive"
