"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Single" Feats_B: backbone-feature
(res3-res5) imitation alone, at its authors' weight.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import FEATS_WEIGHT, feats_b

model.paths = [feats_b]
model.aggregator = dict(method="hand_tuned", init_weights={"feats_b": FEATS_WEIGHT})
train.output_dir = "./output/shapes_single_feats_b"
