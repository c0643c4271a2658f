"""Table 4 (ADE20K), "Single" AT: attention transfer on res3-res5 alone, at its hand-tuned weight."""
from .ade20k_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.segmentation_paths import AT_WEIGHT, at

model.paths = [at]
model.aggregator = dict(method="hand_tuned", init_weights={"at": AT_WEIGHT})
train.output_dir = "./output/ade20k_single_at"
