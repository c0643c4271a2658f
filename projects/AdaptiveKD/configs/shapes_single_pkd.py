"""Issue-27 detection row on the embedded shapes benchmark (GFL, shipped teacher), "Single" PKD: Pearson-correlation FPN-feature imitation alone, at
its authors' one-stage weight.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import PKD_WEIGHT, pkd

model.paths = [pkd]
model.aggregator = dict(method="hand_tuned", init_weights={"pkd": PKD_WEIGHT})
train.output_dir = "./output/shapes_single_pkd"
