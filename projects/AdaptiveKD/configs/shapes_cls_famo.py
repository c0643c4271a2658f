"""FAMO (Liu et al., NeurIPS 2023): loss weights that favour the paths that improved least, as the aggregator of the
embedded classification benchmark (shapes_cls), AT + ST: the paths and recipe of shapes_cls_adaptive.py, another
way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="famo")
train.output_dir = "./output/shapes_cls_famo"
