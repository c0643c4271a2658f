"""ResNet-18 RetinaNet student on the embedded shapes benchmark (trains on a 2-core CPU in ~6 min)."""
from .common.shapes_data import dataloader
from .common.shapes_retinanet import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.output_dir = "./output/shapes_student"
