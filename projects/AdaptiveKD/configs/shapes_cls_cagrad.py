"""CAGrad (Liu et al., NeurIPS 2021): the average gradient corrected toward the worst path, c = 0.4, as the aggregator
of the embedded classification benchmark (shapes_cls), AT + ST: the paths and recipe of shapes_cls_adaptive.py,
another way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="cagrad")
train.output_dir = "./output/shapes_cls_cagrad"
