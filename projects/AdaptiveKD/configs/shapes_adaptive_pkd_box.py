"""Issue-27 detection row on the embedded shapes benchmark (GFL, shipped teacher), "Adaptive" PKD + Box: PKD in place of Feats_P, path weights
v = e^-z learned (Eq. 5) as in shapes_adaptive.py.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, pkd

model.paths = [pkd, box_gfl]
train.output_dir = "./output/shapes_adaptive_pkd_box"
