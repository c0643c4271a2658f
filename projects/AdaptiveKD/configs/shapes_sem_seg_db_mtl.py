"""DB-MTL (Lin et al., 2023): log losses, and the moving averages of their gradients scaled to the largest norm,
summed, as the aggregator of the embedded shapes segmentation benchmark, AT + ST: the paths and recipe of
shapes_sem_seg_adaptive.py, another way to weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="db_mtl")
train.output_dir = "./output/shapes_sem_seg_db_mtl"
