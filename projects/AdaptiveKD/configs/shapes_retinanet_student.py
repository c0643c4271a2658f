"""The shapes detection student's backbone, FPN and recipe with detectron2's RetinaNet head and IoU matcher
instead of GFL/ATSS: the assignment comparison of docs/embedded_benchmarks.md."""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.output_dir = "./output/shapes_retinanet_student"
