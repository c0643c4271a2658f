"""The paper's classification student (§4): ResNet-18 from detectron2's blocks with the CIFAR stem (3×3
stride-1 conv, no max-pool), global average pooling and a linear layer; BN, trained from scratch.

Teachers override ``backbone.stages.depth`` (50) and ``head.in_channels`` (2048); ImageNet-1K configs swap
in detectron2's ``BasicStem``. Stage outputs res2..res5 are the distillation taps.
"""
from detectron2.config import LazyCall as L
from detectron2.modeling.backbone import ResNet

from adakd.modeling.backbone import CIFARStem, make_resnet_stages
from adakd.modeling.meta_arch import ClassificationHead, ImageClassifier

model = L(ImageClassifier)(
    backbone=L(ResNet)(
        stem=L(CIFARStem)(in_channels=3, out_channels=64, norm="BN"),
        stages=L(make_resnet_stages)(depth=18, width=64, norm="BN"),
        out_features=["res2", "res3", "res4", "res5"],
        freeze_at=0,
    ),
    head=L(ClassificationHead)(in_channels=512, num_classes=100, in_feature="res5"),
    # CIFAR-100 training-set statistics in RGB order, 0-255 scale.
    pixel_mean=[129.3, 124.1, 112.4],
    pixel_std=[68.2, 65.4, 70.4],
    input_format="RGB",
)
