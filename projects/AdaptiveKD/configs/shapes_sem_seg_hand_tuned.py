"""Table 4 on the embedded shapes benchmark, "Hand-tuned" AT + ST: v = [1000, 0.1], the paper's
classification weights (§4; see common/segmentation_paths.py; AT on res2-res4: common/shapes_segmentation_paths.py)."""
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.shapes_segmentation_paths import AT_WEIGHT, ST_WEIGHT, at, st

model.paths = [at, st]
model.aggregator = dict(method="hand_tuned", init_weights={"at": AT_WEIGHT, "st": ST_WEIGHT})
train.output_dir = "./output/shapes_sem_seg_hand_tuned"
