"""Adaptive distillation (Eq. 5) of the shapes R18 RetinaNet from the shipped R101 teacher.

Paths, as the paper's Table 1: Feats_P (attention-guided feature imitation on FPN levels P3-P7) and Box
(imitation of the teacher's box deltas at its positive anchors).
"""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY
from adakd.modeling.meta_arch import DistillRetinaNet

from .common.detection_paths import box_retinanet, feats_p
from .shapes_student import dataloader, lr_multiplier, optimizer, train
from .shapes_student import model as student
from .shapes_teacher import model as teacher

model = L(DistillRetinaNet)(
    student=student,
    teacher=teacher,
    teacher_weights="zoo://shapes_retinanet_r101_teacher",
    paths=[feats_p, box_retinanet],
    aggregator=dict(method="adaptive", alpha=1.0),
)

optimizer.params.overrides = NO_WEIGHT_DECAY
train.output_dir = "./output/shapes_adaptive"
