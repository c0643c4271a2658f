"""The paper's detection distillation paths (Tables 1 and 5) over detectron2 dense detectors with P3-P7 heads."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import (
    FeatureKDLoss,
    LocalizationDistillationLoss,
    SoftTargetLoss,
    TeacherBoundedRegressionLoss,
)

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

# Box for RetinaNet: Chen et al.'s teacher-bounded regression towards the ground-truth deltas at the matched
# anchors (DistillRetinaNet's box_positive / box_target), over the positives of all levels together.
box_retinanet = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS, loss=L(TeacherBoundedRegressionLoss)(margin=0.0),
    context_keys={"positive": "box_positive", "target": "box_target"},
)

# Box for GFL: localization distillation at the ATSS positives (DistillGFL's box_positive), each weighted by
# the student's own detached max class score (its classification output at the same level).
box_gfl = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS,
    loss=L(LocalizationDistillationLoss)(temperature=10.0), context_keys={"positive": "box_positive"},
    student_context_taps={"score_logits": CLS_TAPS},
)

# ST: the teacher's per-class sigmoid scores as soft targets at every location of every level (the mean over
# the locations of all levels together).
st_cls = L(DistillPath)(
    name="st", student_taps=CLS_TAPS, teacher_taps=CLS_TAPS, loss=L(SoftTargetLoss)(temperature=1.0, activation="sigmoid"),
)

# The authors' own loss weights, the paper's hand-tuned baseline: feature KD at 1 (its coefficients live in
# FeatureKDLoss); LD at 0.25 with T = 10 (loss_ld of mmdetection configs/ld/ld_r18_gflv1_r101_fpn_coco_1x.py,
# also in HikariTJU/LD; that R101 -> R18 config has no VLR term); the teacher-bounded regression at ν = 0.5
# (Chen et al., NeurIPS 2017, §3.2, the weight of L_b in their L_reg).
FEATS_WEIGHT = 1.0
BOX_WEIGHT = 0.25
BOX_RETINANET_WEIGHT = 0.5
