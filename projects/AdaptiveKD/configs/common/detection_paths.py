"""The paper's detection distillation paths (Tables 1 and 5) over detectron2 dense detectors with P3-P7 heads."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import BoxRegressionKDLoss, FeatureKDLoss, LocalizationDistillationLoss, SoftTargetLoss

LEVELS = ["p3", "p4", "p5", "p6", "p7"]
BACKBONE_LEVELS = ["res3", "res4", "res5"]
# Head outputs are (classification, box) lists over levels: "head:1:i" is the box output of level i.
BOX_TAPS = [f"head:1:{i}" for i in range(len(LEVELS))]
CLS_TAPS = [f"head:0:{i}" for i in range(len(LEVELS))]

# Feats_B: the same imitation on the backbone stages; 1x1 adapters map the student's widths to the teacher's.
feats_b = L(DistillPath)(
    name="feats_b",
    student_taps=[f"backbone.bottom_up:{r}" for r in BACKBONE_LEVELS],
    teacher_taps=[f"backbone.bottom_up:{r}" for r in BACKBONE_LEVELS],
    loss=L(FeatureKDLoss)(),
)

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

# ST: the teacher's per-class sigmoid scores as soft targets at every location of every level.
st_cls = L(DistillPath)(
    name="st", student_taps=CLS_TAPS, teacher_taps=CLS_TAPS, loss=L(SoftTargetLoss)(temperature=1.0, activation="sigmoid"),
)

# The authors' own loss weights, the paper's hand-tuned baseline: feature KD at 1 (its coefficients live in
# FeatureKDLoss), LD at 0.25 with T = 10 (LD's GFL configs), the regression hint at 0.5 (Chen et al.'s ν).
FEATS_WEIGHT = 1.0
BOX_WEIGHT = 0.25
BOX_RETINANET_WEIGHT = 0.5
