"""ResNet-18 RetinaNet student on the embedded shapes benchmark (1000 iterations, about 6 minutes on 2 CPU cores)."""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.output_dir = "./output/shapes_student"
