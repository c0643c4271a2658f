"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Equal" Feats_P + Box: v = [1, 1]."""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_gfl, feats_p

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="equal")
train.output_dir = "./output/shapes_equal"
