"""Issue-27 detection row (COCO), "Hand-tuned" PKD + CrossKD + Box: the three paths at their
authors' weights.
"""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_WEIGHT, CROSSKD_WEIGHT, PKD_WEIGHT, box_gfl, crosskd, pkd

model.paths = [pkd, crosskd, box_gfl]
model.aggregator = dict(method="hand_tuned", init_weights={"pkd": PKD_WEIGHT, "crosskd": CROSSKD_WEIGHT, "box": BOX_WEIGHT})
train.output_dir = "./output/coco_hand_tuned_pkd_crosskd_box"
