"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Adaptive" AT + ST: the student
distilled from the trained teacher with path weights v = e^-z learned (Eq. 5, alpha = 1)."""
from detectron2.config import LazyCall as L

from adakd.distill import learned_weight_overrides
from adakd.modeling.meta_arch import DistillClassifier

from .common.classification_paths import at, st
from .common.shapes_schedule import LEARNED_WEIGHT_LR
from .shapes_cls_student import dataloader, lr_multiplier, optimizer, train
from .shapes_cls_student import model as student
from .shapes_cls_teacher import model as teacher

model = L(DistillClassifier)(
    student=student,
    teacher=teacher,
    teacher_weights="zoo://shapes_cls_r34_teacher",
    paths=[at, st],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
    probe_size=(32, 32),
)

# z is not decayed and has a learning rate of its own (common/shapes_schedule.py says why).
optimizer.params.overrides = learned_weight_overrides(lr=LEARNED_WEIGHT_LR)
train.output_dir = "./output/shapes_cls_adaptive"
