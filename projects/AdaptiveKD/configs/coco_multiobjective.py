"""Table 5 (COCO), "Multiobjective" Feats_P + Box: min-norm combination of the path gradients (Eq. 4)."""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_p

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/coco_multiobjective"
