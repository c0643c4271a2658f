"""Issue 24's weight sweep: FPN-feature imitation (Feats_P) alone at 0.1× feature KD's authors' weight, 1; otherwise
shapes_single_feats.py. The sweep's curve (Δ to the student against the weight) is drawn by tools/run_benchmark.py
--report.
"""
from .common.detection_paths import FEATS_WEIGHT
from .shapes_single_feats import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="hand_tuned", init_weights={"feats_p": 0.1 * FEATS_WEIGHT})
train.output_dir = "./output/shapes_single_feats_x0_1"
