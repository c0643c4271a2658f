"""GFL (adakd.modeling.meta_arch.GFL) with an ImageNet-pretrained ResNet-18 FPN, as the paper's COCO and
Cityscapes students (the LD paper's ``gfl_r18_fpn_1x`` setting: 256-channel FPN and GN head, P3-P7).

ImageNet weights come from torchvision (tools/convert_torchvision_resnet.py), hence RGB input with
torchvision's mean/std and the stride in the 3x3 conv.
"""
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.backbone import FPN, BasicStem, ResNet
from detectron2.modeling.backbone.fpn import LastLevelP6P7

from adakd.modeling.backbone import make_resnet_stages
from adakd.modeling.meta_arch import GFL, GFLHead

LEVELS = ["p3", "p4", "p5", "p6", "p7"]
STRIDES = [8, 16, 32, 64, 128]

model = L(GFL)(
    backbone=L(FPN)(
        bottom_up=L(ResNet)(
            stem=L(BasicStem)(in_channels=3, out_channels=64, norm="FrozenBN"),
            stages=L(make_resnet_stages)(depth=18, width=64, norm="FrozenBN"),
            out_features=["res3", "res4", "res5"],
            freeze_at=2,  # stem and res2 stay at their ImageNet values, as in detectron2's baselines
        ),
        in_features=["res3", "res4", "res5"],
        out_channels=256,
        # P6 from P5 (GFL's "on_output" extra convs): independent of the backbone's width. Deviation: detectron2's
        # LastLevelP6P7 applies a ReLU to P6 before the P7 conv; mmdetection's FPN (relu_before_extra_convs=False)
        # does not. Kept so that the zoo's GFL weights stay valid; P7 only carries the largest objects.
        top_block=L(LastLevelP6P7)(in_channels=256, out_channels=256, in_feature="p5"),
    ),
    head=L(GFLHead)(
        input_shape=[ShapeSpec(channels=256)] * 5,
        num_classes="${..num_classes}",
        conv_dims=[256, 256, 256, 256],
        norm="GN",
        reg_max="${..reg_max}",
    ),
    head_in_features=LEVELS,
    # One square anchor of 8 strides per location (ATSS's octave base scale 8). Deviation: offset 0.5 puts the
    # anchor centres at pixel centres (detectron2's convention; the GFL/LD reference uses 0, the cell's corner).
    # The shift is half a stride for every anchor alike; kept so that the zoo's GFL weights stay valid.
    anchor_generator=L(DefaultAnchorGenerator)(
        sizes=[[8 * s] for s in STRIDES], aspect_ratios=[1.0], strides=STRIDES, offset=0.5
    ),
    num_classes=80,
    reg_max=16,
    pixel_mean=[123.675, 116.280, 103.530],
    pixel_std=[58.395, 57.120, 57.375],
)
