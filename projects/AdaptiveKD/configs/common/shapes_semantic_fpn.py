"""Semantic FPN sized for 128 px shapes images: the shapes ResNet-18 (quarter width, as the detector),
64-channel FPN P2-P5, 64-channel GN head, 7 labels (background + 6 shapes)."""
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.meta_arch import SemanticSegmentor
from detectron2.modeling.meta_arch.semantic_seg import SemSegFPNHead

from adakd.data.shapes import SEM_SEG_CLASSES

from .shapes_gfl import model as gfl

backbone = gfl.backbone
backbone.bottom_up.out_features = ["res2", "res3", "res4", "res5"]
backbone.in_features = ["res2", "res3", "res4", "res5"]
backbone.top_block = None

model = L(SemanticSegmentor)(
    backbone=backbone,
    sem_seg_head=L(SemSegFPNHead)(
        input_shape={name: ShapeSpec(channels=64, stride=s) for name, s in {"p2": 4, "p3": 8, "p4": 16, "p5": 32}.items()},
        num_classes=len(SEM_SEG_CLASSES),
        conv_dims=64,
        common_stride=4,
        norm="GN",
        ignore_value=255,
    ),
    pixel_mean=gfl.pixel_mean,
    pixel_std=gfl.pixel_std,
)
