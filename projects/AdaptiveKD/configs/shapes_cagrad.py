"""CAGrad (Liu et al., NeurIPS 2021): the average gradient corrected toward the worst path, c = 0.4, as the aggregator
of the embedded shapes detection benchmark (GFL, shipped teacher), Feats_P + Box: the paths and recipe of
shapes_adaptive.py, another way to weight them.
"""
from .common.detection_paths import box_gfl, feats_p
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="cagrad")
train.output_dir = "./output/shapes_cagrad"
