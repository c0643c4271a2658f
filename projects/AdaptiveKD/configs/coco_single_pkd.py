"""Issue-27 detection row (COCO), "Single" PKD: Pearson-correlation FPN-feature imitation alone, at
its authors' one-stage weight.
"""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import PKD_WEIGHT, pkd

model.paths = [pkd]
model.aggregator = dict(method="hand_tuned", init_weights={"pkd": PKD_WEIGHT})
train.output_dir = "./output/coco_single_pkd"
