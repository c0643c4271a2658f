"""RLW (Lin et al., TMLR 2022): path weights drawn afresh each step, softmax of standard normal draws, the random
baseline every balancer should beat, as the aggregator of the embedded classification benchmark (shapes_cls), AT +
ST: the paths and recipe of shapes_cls_adaptive.py, another way to weight them.
"""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="rlw")
train.output_dir = "./output/shapes_cls_rlw"
