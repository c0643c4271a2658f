"""Issue 24's weight sweep: localization distillation (Box) alone at 10× LD's authors' weight, 0.25; otherwise
shapes_single_box.py. The sweep's curve (Δ to the student against the weight) is drawn by tools/run_benchmark.py
--report.
"""
from .common.detection_paths import BOX_WEIGHT
from .shapes_single_box import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="hand_tuned", init_weights={"box": 10 * BOX_WEIGHT})
train.output_dir = "./output/shapes_single_box_x10"
