"""Table 4 (Cityscapes), "Hand-tuned" AT + ST: v = [1000, 0.1], the paper's
classification weights (§4; see common/segmentation_paths.py)."""
from .cityscapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import AT_WEIGHT, ST_WEIGHT, at, st

model.paths = [at, st]
model.aggregator = dict(method="hand_tuned", init_weights={"at": AT_WEIGHT, "st": ST_WEIGHT})
train.output_dir = "./output/cityscapes_sem_seg_hand_tuned"
