"""Adaptive distillation of the shapes R18 GFL from an R101 GFL teacher (the paper's Table 1 setting:
Feats_P + Box, where Box is localization distillation on the teacher's positive locations).

The GFL teacher is not shipped yet: set model.teacher_weights to a trained shapes_gfl_teacher.py run.
"""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY
from adakd.modeling.meta_arch import DistillGFL

from .common.detection_paths import box_gfl, feats_p
from .shapes_gfl_student import dataloader, lr_multiplier, optimizer, train
from .shapes_gfl_student import model as student
from .shapes_gfl_teacher import model as teacher

model = L(DistillGFL)(
    student=student,
    teacher=teacher,
    teacher_weights="output/shapes_gfl_teacher/model_final.pth",
    paths=[feats_p, box_gfl],
    aggregator=dict(method="adaptive", alpha=1.0),
)

optimizer.params.overrides = NO_WEIGHT_DECAY
train.output_dir = "./output/shapes_gfl_adaptive"
