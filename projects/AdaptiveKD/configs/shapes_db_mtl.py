"""DB-MTL (Lin et al., 2023): log losses, and the moving averages of their gradients scaled to the largest norm,
summed, as the aggregator of the embedded shapes detection benchmark (GFL, shipped teacher), Feats_P + Box: the
paths and recipe of shapes_adaptive.py, another way to weight them.
"""
from .common.detection_paths import box_gfl, feats_p
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="db_mtl")
train.output_dir = "./output/shapes_db_mtl"
