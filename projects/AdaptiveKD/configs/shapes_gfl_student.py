"""ResNet-18 GFL student on the embedded shapes benchmark."""
from .common.shapes_data import dataloader
from .common.shapes_gfl import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.output_dir = "./output/shapes_gfl_student"
