"""Student of the embedded detection benchmark: GFL on a quarter-width ResNet-18 (common/shapes_gfl.py), its
backbone pretrained on the ImageNet stand-in (zoo entry shapes_pretrain_r18, loaded as detectron2 loads ImageNet
weights), trained alone with the shapes recipe (common/shapes_schedule.py, 1400 iterations)."""
from .common.shapes_data import dataloader
from .common.shapes_gfl import model
from .common.shapes_schedule import lr_multiplier, optimizer, train

train.init_checkpoint = "zoo://shapes_pretrain_r18"
train.output_dir = "./output/shapes_student"
