"""The paper's detection distillation paths (Tables 1 and 5) over detectron2 dense detectors with P3-P7 heads."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import BoxRegressionKDLoss, FeatureKDLoss, LocalizationDistillationLoss

LEVELS = ["p3", "p4", "p5", "p6", "p7"]
# Head outputs are (classification, box) lists over levels: "head:1:i" is the box output of level i.
BOX_TAPS = [f"head:1:{i}" for i in range(len(LEVELS))]

# Feats_P: attention-guided imitation of the FPN levels.
feats_p = L(DistillPath)(
    name="feats_p",
    student_taps=[f"backbone:{p}" for p in LEVELS],
    teacher_taps=[f"backbone:{p}" for p in LEVELS],
    loss=L(FeatureKDLoss)(),
)

# Box for RetinaNet: the teacher's box deltas at its matched anchors (DistillRetinaNet's box_weight).
box_retinanet = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS, loss=L(BoxRegressionKDLoss)(),
    context_keys={"weight": "box_weight"},
)

# Box for GFL: localization distillation at the teacher's ATSS positives (DistillGFL's box_weight).
box_gfl = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS,
    loss=L(LocalizationDistillationLoss)(temperature=10.0), context_keys={"weight": "box_weight"},
)
