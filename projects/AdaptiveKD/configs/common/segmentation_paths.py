"""The paper's segmentation distillation paths (§4, Table 4): attention transfer on the backbone stages and
soft targets on the per-pixel logits. The seed authors released no segmentation code; the paths follow their
classification code (AT summed over stages, ST at T = 4)."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import AttentionTransferLoss, SoftTargetLoss

# res3-res5: the students freeze the stem and res2 (freeze_at=2), so an AT term on res2 could move no student
# weight, yet it would still enter the learned path weights.
STAGES = ["res3", "res4", "res5"]

# AT: spatial attention maps of res3-res5 (channel counts may differ; attention maps need no adapter).
at = L(DistillPath)(
    name="at",
    student_taps=[f"backbone.bottom_up:{s}" for s in STAGES],
    teacher_taps=[f"backbone.bottom_up:{s}" for s in STAGES],
    loss=L(AttentionTransferLoss)(),
    adapter=False,
)

# ST: per-pixel softmax of the head's logits (N, C, H/4, W/4) flattened to (N·H·W, C); DistillSemanticFPN
# gives `valid` (False on ignore-label pixels).
st = L(DistillPath)(
    name="st",
    student_taps=["sem_seg_head.predictor"],
    teacher_taps=["sem_seg_head.predictor"],
    loss=L(SoftTargetLoss)(temperature=4.0),
    context_keys={"valid": "valid"},
)

# Hand-tuned weights: the seed paper's classification weights for AT + ST (§4; official code
# configs/kd/cifar100/kd_resnet18_resnet50_cifar100_hand_tuned.py), reused for segmentation as the paper
# gives none of its own. AT averages over positions, so at segmentation crops (far more positions than
# CIFAR's 32×32) the same weight means a different strength; they are a starting point, not tuned values.
AT_WEIGHT = 1000.0
ST_WEIGHT = 0.1
