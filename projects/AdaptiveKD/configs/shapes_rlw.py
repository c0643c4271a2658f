"""RLW (Lin et al., TMLR 2022): path weights drawn afresh each step, softmax of standard normal draws, the random
baseline every balancer should beat, as the aggregator of the embedded shapes detection benchmark (GFL, shipped
teacher), Feats_P + Box: the paths and recipe of shapes_adaptive.py, another way to weight them.
"""
from .common.detection_paths import box_gfl, feats_p
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="rlw")
train.output_dir = "./output/shapes_rlw"
