"""Issue-27 detection row (Cityscapes), "Single" PKD: Pearson-correlation FPN-feature imitation alone, at
its authors' one-stage weight.
"""
from .cityscapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import PKD_WEIGHT, pkd

model.paths = [pkd]
model.aggregator = dict(method="hand_tuned", init_weights={"pkd": PKD_WEIGHT})
train.output_dir = "./output/cityscapes_single_pkd"
