"""Table 4 on the embedded shapes benchmark, "Multiobjective" AT + ST: min-norm combination of the path gradients
(Eq. 4).
"""
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.shapes_segmentation_paths import at, st

model.paths = [at, st]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/shapes_sem_seg_multiobjective"
