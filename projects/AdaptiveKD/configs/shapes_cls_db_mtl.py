"""DB-MTL (Lin et al., 2023): log losses, and the moving averages of their gradients scaled to the largest norm,
summed, as the aggregator of the embedded classification benchmark (shapes_cls), AT + ST: the paths and recipe of
shapes_cls_adaptive.py, another way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="db_mtl")
train.output_dir = "./output/shapes_cls_db_mtl"
