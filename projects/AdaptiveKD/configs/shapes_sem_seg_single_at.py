"""Table 4 on the embedded shapes benchmark, "Single" AT: attention transfer on res2-res4 (the shapes taps,
common/shapes_segmentation_paths.py) alone, at its hand-tuned weight.
"""
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.shapes_segmentation_paths import AT_WEIGHT, at

model.paths = [at]
model.aggregator = dict(method="hand_tuned", init_weights={"at": AT_WEIGHT})
train.output_dir = "./output/shapes_sem_seg_single_at"
