"""The paper's classification distillation paths (§4, Tables 2 and 3, Figure 2) between two ImageClassifiers.

AT and NST tap the four residual stages res2..res5 (the paper's "layers 2 through 5"); ST and ℓ2-logit tap
the logits; FM and SR tap the pooled penultimate feature. The ``*_layerwise`` variants give every stage its
own loss term and weight (Table 3, "Adaptive-layerwise": 4+1 or 8+2 paths).
"""
import copy

from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import (
    AttentionTransferLoss,
    FeatureMapLoss,
    L2LogitLoss,
    NSTLoss,
    SoftmaxRegressionLoss,
    SoftTargetLoss,
)

STAGES = ["res2", "res3", "res4", "res5"]
STAGE_TAPS = [f"backbone:{s}" for s in STAGES]

# Attention maps average the channels away: no adapter.
at = L(DistillPath)(name="at", student_taps=STAGE_TAPS, teacher_taps=STAGE_TAPS, loss=L(AttentionTransferLoss)(p=2),
                    adapter=False)
# Hinton's soft targets at T = 4 (the official code's setting).
st = L(DistillPath)(name="st", student_taps="head.linear", teacher_taps="head.linear",
                    loss=L(SoftTargetLoss)(temperature=4.0))
# NST compares channel patterns; a 1×1 conv + BN adapter widens the student's channels to the teacher's
# (64→256, ..., 512→2048), as the official code does.
nst = L(DistillPath)(name="nst", student_taps=STAGE_TAPS, teacher_taps=STAGE_TAPS, loss=L(NSTLoss)())
l2_logit = L(DistillPath)(name="l2_logit", student_taps="head.linear", teacher_taps="head.linear",
                          loss=L(L2LogitLoss)())
# FM and SR (Yang et al. 2021): the pooled student feature, widened by a linear adapter to the teacher's,
# regresses the teacher's feature (FM) / goes through the teacher's own classifier (SR).
fm = L(DistillPath)(name="fm", student_taps="head.pool", teacher_taps="head.pool", loss=L(FeatureMapLoss)())
sr = L(DistillPath)(name="sr", student_taps="head.pool", teacher_taps="head.pool",
                    loss=L(SoftmaxRegressionLoss)(teacher_head="head.linear", teacher_input="feature"))

at_layerwise = copy.deepcopy(at)
at_layerwise.layerwise = True
nst_layerwise = copy.deepcopy(nst)
nst_layerwise.layerwise = True

# Hand-tuned weights: §4 (AT, ST) = (1000, 0.1) and Table 3 (NST, ℓ2-logit) = (10, 0.1); FM and SR get unit
# weights (the paper does not list its Figure 2 weights).
WEIGHTS = {"at": 1000.0, "st": 0.1, "nst": 10.0, "l2_logit": 0.1, "fm": 1.0, "sr": 1.0}
