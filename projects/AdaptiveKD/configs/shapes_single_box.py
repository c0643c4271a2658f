"""Table 5 on the embedded shapes benchmark (RetinaNet, shipped teacher), "Single" Box: imitation of the
teacher's box deltas at its positive anchors alone, at Chen et al.'s weight.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_RETINANET_WEIGHT, box_retinanet

model.paths = [box_retinanet]
model.aggregator = dict(method="hand_tuned", init_weights={"box": BOX_RETINANET_WEIGHT})
train.output_dir = "./output/shapes_single_box"
