"""Table 4 (ADE20K), "Equal" AT + ST: v = [1, 1]."""
from .ade20k_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import at, st

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/ade20k_equal"
