"""Issue-27 detection row (Cityscapes), "Adaptive" PKD + CrossKD + Box: the three paths' weights
v = e^-z learned (Eq. 5) as in cityscapes_adaptive.py.
"""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, crosskd, pkd

model.paths = [pkd, crosskd, box_gfl]
train.output_dir = "./output/cityscapes_adaptive_pkd_crosskd_box"
