"""Table 5 on the embedded shapes benchmark (RetinaNet, shipped teacher), "Multiobjective" Feats_B + Box (Eq. 4)."""
from .shapes_adaptive import dataloader, lr_multiplier, model, optimizer, train
from .common.detection_paths import box_retinanet, feats_b

model.paths = [feats_b, box_retinanet]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/shapes_multiobjective_feats_b"
