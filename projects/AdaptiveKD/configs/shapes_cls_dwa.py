"""Dynamic Weight Average (Liu et al., CVPR 2019): weights from the ratio of recent path losses, T = 2, as the
aggregator of the embedded classification benchmark (shapes_cls), AT + ST: the paths and recipe of
shapes_cls_adaptive.py, another way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="dwa")
train.output_dir = "./output/shapes_cls_dwa"
