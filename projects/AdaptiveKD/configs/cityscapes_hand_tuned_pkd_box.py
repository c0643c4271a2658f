"""Issue-27 detection row (Cityscapes), "Hand-tuned" PKD + Box: PKD in place of Feats_P, both paths at
their authors' weights.
"""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_WEIGHT, PKD_WEIGHT, box_gfl, pkd

model.paths = [pkd, box_gfl]
model.aggregator = dict(method="hand_tuned", init_weights={"pkd": PKD_WEIGHT, "box": BOX_WEIGHT})
train.output_dir = "./output/cityscapes_hand_tuned_pkd_box"
