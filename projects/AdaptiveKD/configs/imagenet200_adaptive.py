"""Tables 2 and 3 (ImageNet-200), "Adaptive" AT + ST: the student distilled from the trained teacher with path
weights v = e^-z learned (Eq. 5, alpha = 1)."""
from detectron2.config import LazyCall as L

from adakd.distill import NO_WEIGHT_DECAY
from adakd.modeling.meta_arch import DistillClassifier

from .common.classification_paths import at, st
from .imagenet200_student import dataloader, lr_multiplier, optimizer, train
from .imagenet200_student import model as student
from .imagenet200_teacher import model as teacher

model = L(DistillClassifier)(
    student=student,
    teacher=teacher,
    teacher_weights="./output/imagenet200_teacher/model_final.pth",
    paths=[at, st],
    aggregator=dict(method="adaptive", alpha=1.0),
    diagnostics_period=0,  # N > 0: log per-path gradient norms and cosines every N iterations
    probe_size=(64, 64),
)

optimizer.params.overrides = NO_WEIGHT_DECAY  # the log-weights z are not decayed
train.output_dir = "./output/imagenet200_adaptive"
