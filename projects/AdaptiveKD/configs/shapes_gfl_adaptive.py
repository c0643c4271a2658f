"""Adaptive distillation of the shapes R18 GFL from an R101 GFL teacher (the paper's Table 1 setting:
Feats_P + Box, where Box is localization distillation on the teacher's positive locations).

The teacher checkpoint is not shipped yet: set model.teacher_weights to a trained shapes_gfl_teacher.
"""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY, DistillPath
from adakd.distill.losses import FeatureKDLoss, LocalizationDistillationLoss
from adakd.modeling.meta_arch import DistillGFL

from .shapes_gfl_student import dataloader, lr_multiplier, optimizer, train
from .shapes_gfl_student import model as student
from .shapes_gfl_teacher import model as teacher

LEVELS = ["p3", "p4", "p5", "p6", "p7"]

model = L(DistillGFL)(
    student=student,
    teacher=teacher,
    teacher_weights="output/shapes_gfl_teacher/model_final.pth",
    paths=[
        L(DistillPath)(
            name="feats_p",
            student_taps=[f"backbone:{p}" for p in LEVELS],
            teacher_taps=[f"backbone:{p}" for p in LEVELS],
            loss=L(FeatureKDLoss)(),
        ),
        L(DistillPath)(
            name="box",
            student_taps=[f"head:1:{i}" for i in range(len(LEVELS))],
            teacher_taps=[f"head:1:{i}" for i in range(len(LEVELS))],
            loss=L(LocalizationDistillationLoss)(temperature=10.0),
            context_keys={"weight": "box_weight"},
        ),
    ],
    aggregator=dict(method="adaptive", alpha=1.0),
)

optimizer.params.overrides = NO_WEIGHT_DECAY
train.output_dir = "./output/shapes_gfl_adaptive"
