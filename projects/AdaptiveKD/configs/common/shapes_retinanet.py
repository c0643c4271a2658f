"""detectron2's RetinaNet sized for 128 px shapes images: ResNet-18 at half width (stem 32, stages 32-256
channels), 64-channel FPN/head, 8-128 px anchors.

The shapes teachers (shapes_teacher.py, shapes_sem_seg_teacher.py) are ResNet-101s at 3/8 width: the
paper's R101/R18 pair at a scale that trains on a CPU and whose fp16 checkpoints fit the repository.
"""
from detectron2 import model_zoo
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec

from adakd.data import SHAPES_CLASSES
from adakd.modeling.backbone import make_resnet_stages

model = model_zoo.get_config("common/models/retinanet.py").model

# Trained from scratch: plain BN instead of the FrozenBN that suits ImageNet-pretrained backbones.
model.backbone.bottom_up.stem.norm = "BN"
model.backbone.bottom_up.stem.out_channels = 32
model.backbone.bottom_up.stages = L(make_resnet_stages)(depth=18, width=32, norm="BN", zero_init_residual=True)
model.backbone.out_channels = 64
# P6 from P5 keeps the top block independent of the backbone's width.
model.backbone.top_block.in_channels = 64
model.backbone.top_block.in_feature = "p5"
model.head.input_shape = [ShapeSpec(channels=64)] * 5
model.head.conv_dims = [64, 64, 64, 64]
model.head.norm = "GN"
model.anchor_generator.sizes = [[x, x * 2 ** (1.0 / 3), x * 2 ** (2.0 / 3)] for x in [8, 16, 32, 64, 128]]
model.num_classes = len(SHAPES_CLASSES)
