"""Issue-27 detection row (COCO), "Adaptive" PKD + CrossKD + Box: the three paths' weights
v = e^-z learned (Eq. 5) as in coco_adaptive.py.
"""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, crosskd, pkd

model.paths = [pkd, crosskd, box_gfl]
train.output_dir = "./output/coco_adaptive_pkd_crosskd_box"
