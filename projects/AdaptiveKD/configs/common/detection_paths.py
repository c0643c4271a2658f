"""The paper's detection distillation paths (Tables 1 and 5) over detectron2 dense detectors with P3-P7 heads."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import (
    AttentionGuidedFeatureKDLoss,
    CrossKDGFLLoss,
    LocalizationDistillationLoss,
    PKDLoss,
    SoftTargetLoss,
    TeacherBoundedRegressionLoss,
)

LEVELS = ["p3", "p4", "p5", "p6", "p7"]
# Feature KD distils the levels that the backbone stages feed (P3-P5 and res3-res5), as the references do
# (mmrazor's FBKD: P2-P5 of a P2-P6 Faster R-CNN), never the extra P6/P7: on 128 px images they are 2x2 and
# 1x1 maps where no ATSS positive falls, yet their global channel terms carried most of the path's gradient.
FEATURE_KD_LEVELS = ["p3", "p4", "p5"]
BACKBONE_LEVELS = ["res3", "res4", "res5"]
# Head outputs are (classification, box) lists over levels: "head:1:i" is the box output of level i.
BOX_TAPS = [f"head:1:{i}" for i in range(len(LEVELS))]
CLS_TAPS = [f"head:0:{i}" for i in range(len(LEVELS))]

# Zhang & Ma's feature KD ([75]) with the settings of the authors' one-stage (RetinaNet) code, our detectors
# being one-stage: T = 0.1, the spatial mask times the channel mask, and every term x6 of the two-stage
# defaults (7e-5 / 4e-3 / 4e-3 / 7e-5) that mmrazor's Faster R-CNN config uses (on the shapes FPN features
# those defaults gave 0.15x the one-stage value). The channel mask needs equal widths: the FPN levels have
# them (Feats_P), the backbone stages of an R18 and an R101 do not (Feats_B keeps the spatial mask alone).
# One loss per level (each owns its non-local blocks). Non-local keys/values max-pooled by 8 on stride 8,
# 4 on stride 16, 2 on coarser maps, with 1/4 of the channels on the first two and 1/2 on the others (the
# per-level settings of mmrazor's configs/distill/mmdet/fbkd/fbkd_fpn_faster-rcnn_r101_faster-rcnn_r50_1x_coco.py,
# as in the authors' code).
NON_LOCAL_POOL = {8: (8, 4), 16: (4, 4), 32: (2, 2), 64: (2, 2), 128: (2, 2)}  # stride: (pool_stride, reduction)
ONE_STAGE_FEATURE_KD = dict(temperature=0.1, feature_weight=6 * 7e-5, channel_weight=6 * 4e-3,
                            spatial_weight=6 * 4e-3, non_local_weight=6 * 7e-5)


def feature_kd_losses(strides, channel_mask=True):
    return [L(AttentionGuidedFeatureKDLoss)(pool_stride=NON_LOCAL_POOL[s][0], reduction=NON_LOCAL_POOL[s][1],
                                            channel_mask=channel_mask, **ONE_STAGE_FEATURE_KD)
            for s in strides]


# Feats_B: on the backbone stages; the loss's own 1x1 convs map the student's widths to the teacher's.
feats_b = L(DistillPath)(
    name="feats_b",
    student_taps=[f"backbone.bottom_up:{r}" for r in BACKBONE_LEVELS],
    teacher_taps=[f"backbone.bottom_up:{r}" for r in BACKBONE_LEVELS],
    loss=feature_kd_losses([8, 16, 32], channel_mask=False),
    adapter=False,
)

# Feats_P: on the FPN levels P3-P5.
feats_p = L(DistillPath)(
    name="feats_p",
    student_taps=[f"backbone:{p}" for p in FEATURE_KD_LEVELS],
    teacher_taps=[f"backbone:{p}" for p in FEATURE_KD_LEVELS],
    loss=feature_kd_losses([8, 16, 32]),
    adapter=False,
)

# PKD (Cao et al., NeurIPS 2022), the Feats_P alternative: per-channel standardised FPN features compared by
# 1 - Pearson r, one term per level, so levels and channels of different magnitudes weigh alike. On P3-P5 as
# feature KD (mmrazor's RetinaNet config distils the first four of P3-P7, P3-P6; the 2x2 P6 of 128 px images
# carries no positive here). The FPNs of student and teacher have the same width; a wider teacher would get
# a 1x1 conv + BN adapter on the student's side.
pkd = L(DistillPath)(
    name="pkd",
    student_taps=[f"backbone:{p}" for p in FEATURE_KD_LEVELS],
    teacher_taps=[f"backbone:{p}" for p in FEATURE_KD_LEVELS],
    loss=L(PKDLoss)(),
)

# CrossKD (Wang et al., CVPR 2024) for GFL: at every level the student's classification and box towers are read
# after the GN of their third of four convs (tower index 7 of [conv, GN, ReLU] x 4; the authors'
# reused_teacher_head_idx = 3), put through the teacher's fourth conv and predictors, and those cross-head
# predictions mimic the teacher's (KD quality focal loss x1, box-bin KL x3, GIoU x2: the authors' GFL config).
# One layer of several taps: the student's held features, the teacher's, and the teacher's predictions.
CROSSKD_HELD_LAYER = 7
crosskd = L(DistillPath)(
    name="crosskd",
    student_taps=[[f"head.{tower}.{CROSSKD_HELD_LAYER}@{i}" for tower in ("cls_subnet", "bbox_subnet")
                   for i in range(len(LEVELS))]],
    teacher_taps=[[f"head.{tower}.{CROSSKD_HELD_LAYER}@{i}" for tower in ("cls_subnet", "bbox_subnet")
                   for i in range(len(LEVELS))] + CLS_TAPS + BOX_TAPS],
    loss=L(CrossKDGFLLoss)(held_layer=CROSSKD_HELD_LAYER),
    adapter=False,
    context_keys={"positive": "box_positive"},
)

# Box for RetinaNet: Chen et al.'s teacher-bounded regression towards the ground-truth deltas at the matched
# anchors (DistillRetinaNet's box_positive / box_target), over the positives of all levels together.
box_retinanet = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS, loss=L(TeacherBoundedRegressionLoss)(margin=0.0),
    context_keys={"positive": "box_positive", "target": "box_target"},
)

# Box for GFL: localization distillation at the ATSS positives (DistillGFL's box_positive), each weighted by
# the student's own detached max class score (its classification output at the same level). The authors'
# weight was set for LD's sum over the positives of 2 images per GPU (mmdetection's LD configs): the sum is
# scaled to 2 images' worth whatever one process holds (8 on the shapes benchmark: x 1/4; 2 on COCO: x 1).
LD_REFERENCE_IMAGES = 2
box_gfl = L(DistillPath)(
    name="box", student_taps=BOX_TAPS, teacher_taps=BOX_TAPS,
    loss=L(LocalizationDistillationLoss)(temperature=10.0, reference_images=LD_REFERENCE_IMAGES),
    context_keys={"positive": "box_positive"},
    student_context_taps={"score_logits": CLS_TAPS},
)

# ST: the teacher's per-class sigmoid scores as soft targets at every location of every level (the mean over
# the locations of all levels together).
st_cls = L(DistillPath)(
    name="st", student_taps=CLS_TAPS, teacher_taps=CLS_TAPS, loss=L(SoftTargetLoss)(temperature=1.0, activation="sigmoid"),
)

# The authors' own loss weights, the paper's hand-tuned baseline: feature KD at 1 (FBKDLoss's loss_weight in
# mmrazor's configs/distill/mmdet/fbkd/fbkd_fpn_faster-rcnn_r101_faster-rcnn_r50_1x_coco.py; the terms' own
# coefficients are the one-stage ones above); LD at 0.25 (for 2 images per process, see box_gfl) with T = 10
# (loss_ld of mmdetection configs/ld/ld_r18_gflv1_r101_fpn_coco_1x.py, also in HikariTJU/LD; that R101 -> R18
# config has no VLR term); the teacher-bounded regression at ν = 0.5 (Chen et al., NeurIPS
# 2017, §3.2, the weight of L_b in their L_reg).
FEATS_WEIGHT = 1.0
BOX_WEIGHT = 0.25
# PKD at 10 per level: mmrazor's one-stage configs (configs/distill/mmdet/pkd/pkd_fpn_retina_x101_retina_r50_2x_coco.py,
# loss_weight=10 on every level; its Faster R-CNN config uses 6).
PKD_WEIGHT = 10.0
# CrossKD at 1: its three terms carry the authors' weights themselves (see crosskd).
CROSSKD_WEIGHT = 1.0
BOX_RETINANET_WEIGHT = 0.5
