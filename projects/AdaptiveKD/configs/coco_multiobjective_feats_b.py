"""Table 5 (COCO), "Multiobjective" Feats_B + Box (Eq. 4)."""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_b

model.paths = [feats_b, box_gfl]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/coco_multiobjective_feats_b"
