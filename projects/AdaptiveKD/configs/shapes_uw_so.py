"""UW-SO (Kirchdorfer et al., GCPR 2024): path weights softmax((1/L)/T) of the current losses, T = 1 (the authors'
default): uncertainty weighting's closed form, the 1/L rule of Eq. 6 through a softmax, as the aggregator of the
embedded shapes detection benchmark (GFL, shipped teacher), Feats_P + Box: the paths and recipe of
shapes_adaptive.py, another way to weight them.
"""
from .common.detection_paths import box_gfl, feats_p
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="uw_so")
train.output_dir = "./output/shapes_uw_so"
