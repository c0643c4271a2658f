"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Adaptive" Feats_B + Box: path weights
v = e^-z learned (Eq. 5).
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_b

model.paths = [feats_b, box_gfl]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/shapes_adaptive_feats_b"
