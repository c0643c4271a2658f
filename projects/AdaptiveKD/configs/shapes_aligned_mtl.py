"""Aligned-MTL (Senushkin et al., CVPR 2023): the path gradients replaced by orthogonal ones of equal norm (the
smallest singular value), summed, as the aggregator of the embedded shapes detection benchmark (GFL, shipped
teacher), Feats_P + Box: the paths and recipe of shapes_adaptive.py, another way to weight them.
"""
from .common.detection_paths import box_gfl, feats_p
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="aligned_mtl")
train.output_dir = "./output/shapes_aligned_mtl"
