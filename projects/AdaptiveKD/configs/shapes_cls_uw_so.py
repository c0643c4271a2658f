"""UW-SO (Kirchdorfer et al., GCPR 2024): path weights softmax((1/L)/T) of the current losses, T = 1 (the authors'
default): uncertainty weighting's closed form, the 1/L rule of Eq. 6 through a softmax, as the aggregator of the
embedded classification benchmark (shapes_cls), AT + ST: the paths and recipe of shapes_cls_adaptive.py, another way
to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="uw_so")
train.output_dir = "./output/shapes_cls_uw_so"
