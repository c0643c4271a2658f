"""The paper's classification distillation paths (§4, Tables 2 and 3, Figure 2) between two ImageClassifiers,
as the seed paper's released code computes them (wyzelabs-inc/AdaptiveDistillation, ``kd_image.py``).

AT, NST and FM tap the four residual stages res2..res5 (the paper's "layers 2 through 5") and sum their
per-stage losses; ST and ℓ2-logit tap the logits; SR taps res5 before pooling. NST, FM and SR see the
student's stages through 1×1 conv + BN adapters to the teacher's widths; in that code one set of adapters
serves all of them, so ``sr_sharing_fm`` reuses the FM path's res5 adapter (list FM first). The
``*_layerwise`` variants give every stage its own loss term and weight (Table 3, "Adaptive-layerwise").
"""
import copy

from detectron2.config import LazyCall as L

from adakd.distill import DistillPath
from adakd.distill.losses import (
    AttentionTransferLoss,
    FeatureMapLoss,
    L2LogitLoss,
    NSTLoss,
    OFDLoss,
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
# NST: MSE between channel Gram matrices; a 1×1 conv + BN adapter widens the student's channels to the
# teacher's (64→256, ..., 512→2048), as the official code does.
nst = L(DistillPath)(name="nst", student_taps=STAGE_TAPS, teacher_taps=STAGE_TAPS, loss=L(NSTLoss)())
# ℓ2-logit: F.mse_loss between the logits (mean over N·K), the official code's form.
l2_logit = L(DistillPath)(name="l2_logit", student_taps="head.linear", teacher_taps="head.linear",
                          loss=L(L2LogitLoss)())
# FM (Yang et al. 2021): the pooled adapted stage features regress the teacher's, summed over the 4 stages.
fm = L(DistillPath)(name="fm", student_taps=STAGE_TAPS, teacher_taps=STAGE_TAPS, loss=L(FeatureMapLoss)())
# SR (Yang et al. 2021): the adapted res5 map, pooled, goes through the teacher's own classifier.
sr = L(DistillPath)(name="sr", student_taps="backbone:res5", teacher_taps="backbone:res5",
                    loss=L(SoftmaxRegressionLoss)(teacher_head="head.linear", teacher_input="feature_map"))
# SR with FM's res5 adapter, for configs that run both (the official FM + SR share their adapters).
sr_sharing_fm = copy.deepcopy(sr)
sr_sharing_fm.adapters_from = "fm"


# OFD (Heo et al. 2019): at the end of each stage, before the ReLU (the last block's residual branch plus its
# shortcut input, two taps summed by the loss), student through a 1x1 conv + BN connector, teacher through the
# margin ReLU of its last block's last BN, partial L2; stages weighted 1/8, 1/4, 1/2, 1 (the authors' 1/2^(n-i-1)).
BLOCKS_PER_STAGE = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}


def _last_branches(depth):
    """Per stage, the last block's last conv (+ BN): the residual branch that the shortcut is added to."""
    last_conv = "conv3" if depth >= 50 else "conv2"
    return [f"backbone.{s}.{n - 1}.{last_conv}" for s, n in zip(STAGES, BLOCKS_PER_STAGE[depth])]


def _pre_relu_taps(depth):
    """Per stage: (the last block's residual branch, copied before the block adds the shortcut to it in place,
    the last block's input = its identity shortcut)."""
    return [(f"{branch}@copy", f"backbone.{s}.{n - 2}")
            for branch, s, n in zip(_last_branches(depth), STAGES, BLOCKS_PER_STAGE[depth])]


def ofd(teacher_depth, student_depth=18):
    return L(DistillPath)(
        name="ofd",
        student_taps=_pre_relu_taps(student_depth),
        teacher_taps=_pre_relu_taps(teacher_depth),
        loss=[L(OFDLoss)(teacher_bn=f"{branch}.norm", stage_weight=1 / 2 ** (len(STAGES) - 1 - i))
              for i, branch in enumerate(_last_branches(teacher_depth))],
        adapter=False,
    )


at_layerwise = copy.deepcopy(at)
at_layerwise.layerwise = True
nst_layerwise = copy.deepcopy(nst)
nst_layerwise.layerwise = True

# Hand-tuned weights: AT, ST = 1000, 0.1 (configs/kd/cifar100/kd_resnet18_resnet50_cifar100_hand_tuned.py of
# the official code, the paper's §4) and NST, ℓ2-logit = 10, 0.1 (the paper's Table 3 ablation); FM and SR
# = 1, 1 (kd_resnet18_resnet50_cifar100_srrl_fm_equal.py; the paper lists no Figure 2 weights).
WEIGHTS = {"at": 1000.0, "st": 0.1, "nst": 10.0, "l2_logit": 0.1, "fm": 1.0, "sr": 1.0}
# OFD: the authors' loss / batch / 1000 on CIFAR (CIFAR-100/train_with_distillation.py) and / 10000 on ImageNet
# (ImageNet/train_with_distillation.py); the loss divides by the batch, the rest is the path's weight. shapes_cls
# has CIFAR's 32 px images and takes CIFAR's.
OFD_WEIGHTS = {"cifar10": 1e-3, "cifar100": 1e-3, "shapes_cls": 1e-3, "imagenet200": 1e-4, "imagenet1k": 1e-4}
