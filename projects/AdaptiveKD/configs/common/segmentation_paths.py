"""The paper's segmentation distillation paths (§4, Table 4): attention transfer on the backbone stages and
soft targets on the per-pixel logits."""
from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import AttentionTransferLoss, SoftTargetLoss

STAGES = ["res2", "res3", "res4", "res5"]

# AT: spatial attention maps of res2-res5 (channel counts may differ; attention maps need no adapter).
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

# Hand-tuned weights of the paper's Section 3.3 for AT + ST.
AT_WEIGHT = 1000.0
ST_WEIGHT = 0.1
