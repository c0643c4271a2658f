"""GFL (adakd.modeling.meta_arch.GFL) sized for the 128 px shapes images: the shapes detection student.

- Backbone: a quarter-width ResNet-18 (stem 16, stages 16-128 channels) with plain BN, as pretrained on the
  ImageNet stand-in (shapes_pretrain_r18.py; the students' configs load it: ``train.init_checkpoint``);
  64-channel FPN P3-P7 (P6 from P5, independent of the backbone's width). The teachers (shapes_teacher.py,
  shapes_sem_seg_teacher.py) are ResNet-101s at 3/8 width.
- Head: GFL's shared GN towers at 64 channels, edge distributions over 0..16 strides.
- Assignment: ATSS over one square anchor of 2.5 strides per location. ATSS's default of 8 strides puts every
  positive on P3 at this image size; at 2.5 strides the 16-96 px objects of shapes v3 give P3 / P4 / P5 43 / 43
  / 15 % of the positives, a pyramid used as COCO's is (tools/assignment_coverage.py; what it cost:
  docs/embedded_benchmarks.md).
"""
from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator

from adakd.data import SHAPES_CLASSES
from adakd.modeling.backbone import make_resnet_stages
from adakd.modeling.meta_arch import GFL, GFLHead

_retinanet = model_zoo.get_config("common/models/retinanet.py").model
STRIDES = [8, 16, 32, 64, 128]
ANCHOR_STRIDES = 2.5  # anchor side in strides

backbone = _retinanet.backbone
backbone.bottom_up.stem.norm = "BN"
backbone.bottom_up.stem.out_channels = 16
backbone.bottom_up.stages = L(make_resnet_stages)(depth=18, width=16, norm="BN", zero_init_residual=True)
backbone.out_channels = 64
backbone.top_block.in_channels = 64
backbone.top_block.in_feature = "p5"

model = L(GFL)(
    backbone=backbone,
    head=L(GFLHead)(
        input_shape=[ShapeSpec(channels=64)] * len(STRIDES),
        num_classes="${..num_classes}",
        conv_dims=[64, 64, 64, 64],
        norm="GN",
        reg_max=16,
    ),
    head_in_features=["p3", "p4", "p5", "p6", "p7"],
    anchor_generator=L(DefaultAnchorGenerator)(
        sizes=[[ANCHOR_STRIDES * s] for s in STRIDES], aspect_ratios=[1.0], strides=STRIDES, offset=0.5
    ),
    num_classes=len(SHAPES_CLASSES),
    reg_max=16,
    pixel_mean=_retinanet.pixel_mean,
    pixel_std=_retinanet.pixel_std,
)
