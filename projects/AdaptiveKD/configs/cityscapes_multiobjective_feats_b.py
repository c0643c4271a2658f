"""Table 5 (Cityscapes), "Multiobjective" Feats_B + Box (Eq. 4)."""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_b

model.paths = [feats_b, box_gfl]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/cityscapes_multiobjective_feats_b"
