"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Multiobjective" Feats_P + Box: min-norm
combination of the path gradients (Eq. 4).
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_p

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/shapes_multiobjective"
