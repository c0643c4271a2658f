"""Issue-27 detection row (Cityscapes), "Adaptive" PKD + Box: PKD in place of Feats_P, path weights
v = e^-z learned (Eq. 5) as in cityscapes_adaptive.py.
"""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, pkd

model.paths = [pkd, box_gfl]
train.output_dir = "./output/cityscapes_adaptive_pkd_box"
