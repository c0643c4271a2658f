"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Hand-tuned" Feats_B + Box: both paths
at their authors' weights.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_WEIGHT, FEATS_WEIGHT, box_gfl, feats_b

model.paths = [feats_b, box_gfl]
model.aggregator = dict(method="hand_tuned", init_weights={"feats_b": FEATS_WEIGHT, "box": BOX_WEIGHT})
train.output_dir = "./output/shapes_hand_tuned_feats_b"
