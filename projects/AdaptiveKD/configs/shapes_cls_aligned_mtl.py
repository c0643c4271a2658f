"""Aligned-MTL (Senushkin et al., CVPR 2023): the path gradients replaced by orthogonal ones of equal norm (the
smallest singular value), summed, as the aggregator of the embedded classification benchmark (shapes_cls), AT +
ST: the paths and recipe of shapes_cls_adaptive.py, another way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="aligned_mtl")
train.output_dir = "./output/shapes_cls_aligned_mtl"
