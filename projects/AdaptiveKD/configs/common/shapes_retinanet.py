"""detectron2's RetinaNet on the shapes detection student's backbone and FPN (common/shapes_gfl.py): 64-channel
GN head, 9 anchors per location of 8-128 px. Kept to compare assignments (docs/embedded_benchmarks.md): its IoU
matcher leaves a quarter to a third of the shapes boxes with only a low-quality match."""
from detectron2 import model_zoo
from detectron2.layers import ShapeSpec

from adakd.modeling.meta_arch import RetinaNet

from .shapes_gfl import model as gfl

model = model_zoo.get_config("common/models/retinanet.py").model
model._target_ = RetinaNet  # detectron2's, with a named error when its head outputs go non-finite
model.backbone = gfl.backbone
model.head.input_shape = [ShapeSpec(channels=64)] * 5
model.head.conv_dims = [64, 64, 64, 64]
model.head.norm = "GN"
model.anchor_generator.sizes = [[x, x * 2 ** (1.0 / 3), x * 2 ** (2.0 / 3)] for x in [8, 16, 32, 64, 128]]
model.num_classes = gfl.num_classes
