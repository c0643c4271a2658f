"""Table 4 (Cityscapes), "Equal" AT + ST: v = [1, 1]."""
from .cityscapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import at, st

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/cityscapes_sem_seg_equal"
