"""Semantic FPN (Kirillov et al. 2019; detectron2's SemanticSegmentor + SemSegFPNHead) with an
ImageNet-pretrained ResNet-18, the paper's segmentation student (§4). torchvision weights
(tools/convert_torchvision_resnet.py): RGB input, torchvision's mean/std."""
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import FPN, BasicStem, ResNet
from detectron2.modeling.meta_arch import SemanticSegmentor
from detectron2.modeling.meta_arch.semantic_seg import SemSegFPNHead

from adakd.modeling.backbone import make_resnet_stages

LEVELS = {"p2": 4, "p3": 8, "p4": 16, "p5": 32}

model = L(SemanticSegmentor)(
    backbone=L(FPN)(
        bottom_up=L(ResNet)(
            stem=L(BasicStem)(in_channels=3, out_channels=64, norm="FrozenBN"),
            stages=L(make_resnet_stages)(depth=18, width=64, norm="FrozenBN"),
            out_features=["res2", "res3", "res4", "res5"],
            freeze_at=2,
        ),
        in_features=["res2", "res3", "res4", "res5"],
        out_channels=256,
    ),
    sem_seg_head=L(SemSegFPNHead)(
        input_shape={name: ShapeSpec(channels=256, stride=stride) for name, stride in LEVELS.items()},
        num_classes=150,
        conv_dims=128,
        common_stride=4,
        norm="GN",
        ignore_value=255,
    ),
    pixel_mean=[123.675, 116.280, 103.530],
    pixel_std=[58.395, 57.120, 57.375],
)
