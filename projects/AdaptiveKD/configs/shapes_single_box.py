"""Table 5 on the embedded shapes benchmark (GFL, shipped teacher), "Single" Box: localization distillation
alone, at its authors' weight.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_WEIGHT, box_gfl

model.paths = [box_gfl]
model.aggregator = dict(method="hand_tuned", init_weights={"box": BOX_WEIGHT})
train.output_dir = "./output/shapes_single_box"
