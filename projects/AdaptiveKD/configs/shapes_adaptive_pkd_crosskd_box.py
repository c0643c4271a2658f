"""Issue-27 detection row on the embedded shapes benchmark (GFL, shipped teacher), "Adaptive" PKD + CrossKD + Box: the three paths' weights
v = e^-z learned (Eq. 5) as in shapes_adaptive.py.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, crosskd, pkd

model.paths = [pkd, crosskd, box_gfl]
train.output_dir = "./output/shapes_adaptive_pkd_crosskd_box"
