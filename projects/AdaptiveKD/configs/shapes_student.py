"""Student of the embedded detection benchmark: GFL on a quarter-width ResNet-18 (common/shapes_gfl.py), trained
alone with the shapes recipe (common/shapes_schedule.py: AdamW, 1400 iterations, about 4 minutes on 2 CPU cores)."""
from .common.shapes_data import dataloader
from .common.shapes_gfl import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.output_dir = "./output/shapes_student"
