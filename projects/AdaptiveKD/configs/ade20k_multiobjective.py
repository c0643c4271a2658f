"""Table 4 (ADE20K), "Multiobjective" AT + ST: min-norm combination of the path gradients (Eq. 4)."""
from .ade20k_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import at, st

model.paths = [at, st]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/ade20k_multiobjective"
