"""Table 4 on the embedded shapes benchmark, "Equal" AT + ST: v = [1, 1]."""
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.shapes_segmentation_paths import at, st

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/shapes_sem_seg_equal"
