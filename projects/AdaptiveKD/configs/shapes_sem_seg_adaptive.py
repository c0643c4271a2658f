"""Table 4 on the embedded shapes benchmark, "Adaptive" AT + ST from the shipped shapes Semantic FPN teacher,
path weights v = e^-z learned (Eq. 5)."""
from detectron2.config import LazyCall as L

from adakd.distill import learned_weight_overrides
from adakd.modeling.meta_arch import DistillSemanticFPN

from .common.shapes_segmentation_paths import at, st
from .common.shapes_schedule import LEARNED_WEIGHT_LR
from .shapes_sem_seg_student import dataloader, lr_multiplier, optimizer, train
from .shapes_sem_seg_student import model as student
from .shapes_sem_seg_teacher import model as teacher

model = L(DistillSemanticFPN)(
    student=student,
    teacher=teacher,
    teacher_weights="zoo://shapes_semantic_fpn_r101_teacher",
    paths=[at, st],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
)

# z is not decayed and has a learning rate of its own (common/shapes_schedule.py says why).
optimizer.params.overrides = learned_weight_overrides(lr=LEARNED_WEIGHT_LR)
train.output_dir = "./output/shapes_sem_seg_adaptive"
