"""GFL (adakd.modeling.meta_arch.GFL) sized for 128 px shapes images: ResNet-18, 64-channel FPN and head."""
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator

from adakd.modeling.meta_arch import GFL, GFLHead

from .shapes_retinanet import model as retinanet

model = L(GFL)(
    backbone=retinanet.backbone,
    head=L(GFLHead)(
        input_shape=[ShapeSpec(channels=64)] * 5,
        num_classes="${..num_classes}",
        conv_dims=[64, 64, 64, 64],
        norm="GN",
        reg_max=16,
    ),
    head_in_features=["p3", "p4", "p5", "p6", "p7"],
    # One square anchor of 8 strides per location, as ATSS/GFL; 128 px images keep P3-P7 (strides 8-128).
    anchor_generator=L(DefaultAnchorGenerator)(
        sizes=[[8 * s] for s in [8, 16, 32, 64, 128]], aspect_ratios=[1.0], strides=[8, 16, 32, 64, 128], offset=0.5
    ),
    num_classes=retinanet.num_classes,
    reg_max=16,
    pixel_mean=retinanet.pixel_mean,
    pixel_std=retinanet.pixel_std,
)
