"""Table 4 (ADE20K), "Hand-tuned" AT + ST: v = [1000, 0.1], the paper's
classification weights (§4; see common/segmentation_paths.py)."""
from .ade20k_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import AT_WEIGHT, ST_WEIGHT, at, st

model.paths = [at, st]
model.aggregator = dict(method="hand_tuned", init_weights={"at": AT_WEIGHT, "st": ST_WEIGHT})
train.output_dir = "./output/ade20k_hand_tuned"
