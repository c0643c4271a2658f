"""Table 5 on the embedded shapes benchmark (RetinaNet, shipped teacher), "Hand-tuned" Feats_P + Box: both paths
at their authors' weights.
"""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_RETINANET_WEIGHT, FEATS_WEIGHT, box_retinanet, feats_p

model.paths = [feats_p, box_retinanet]
model.aggregator = dict(method="hand_tuned", init_weights={"feats_p": FEATS_WEIGHT, "box": BOX_RETINANET_WEIGHT})
train.output_dir = "./output/shapes_hand_tuned"
