"""Table 5 (COCO), "Hand-tuned" Feats_P + Box: both paths at their authors' weights."""
from .coco_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import BOX_WEIGHT, FEATS_WEIGHT, box_gfl, feats_p

model.paths = [feats_p, box_gfl]
model.aggregator = dict(method="hand_tuned", init_weights={"feats_p": FEATS_WEIGHT, "box": BOX_WEIGHT})
train.output_dir = "./output/coco_hand_tuned"
