"""Table 5 (Cityscapes), "Adaptive" Feats_B + Box: path weights v = e^-z learned (Eq. 5)."""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_b

model.paths = [feats_b, box_gfl]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/cityscapes_adaptive_feats_b"
