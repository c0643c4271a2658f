"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Single" Feats_P: FPN-feature imitation
alone, at its authors' weight.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import FEATS_WEIGHT, feats_p

model.paths = [feats_p]
model.aggregator = dict(method="hand_tuned", init_weights={"feats_p": FEATS_WEIGHT})
train.output_dir = "./output/shapes_single_feats"
