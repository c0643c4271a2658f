"""Table 4 on the embedded shapes benchmark, "Single" ST: per-pixel soft targets alone, at its hand-tuned weight."""
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.shapes_segmentation_paths import ST_WEIGHT, st

model.paths = [st]
model.aggregator = dict(method="hand_tuned", init_weights={"st": ST_WEIGHT})
train.output_dir = "./output/shapes_sem_seg_single_st"
