"""UW-SO (Kirchdorfer et al., GCPR 2024): path weights softmax((1/L)/T) of the current losses, T = 1 (the authors'
default): uncertainty weighting's closed form, the 1/L rule of Eq. 6 through a softmax, as the aggregator of the
embedded shapes segmentation benchmark, AT + ST: the paths and recipe of shapes_sem_seg_adaptive.py, another way to
weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="uw_so")
train.output_dir = "./output/shapes_sem_seg_uw_so"
