"""Issue-27 detection row (COCO), "Adaptive" PKD + Box: PKD in place of Feats_P, path weights
v = e^-z learned (Eq. 5) as in coco_adaptive.py.
"""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, pkd

model.paths = [pkd, box_gfl]
train.output_dir = "./output/coco_adaptive_pkd_box"
