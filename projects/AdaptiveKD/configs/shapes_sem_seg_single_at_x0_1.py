"""Issue 24's weight sweep: attention transfer (AT) alone at 0.1× the paper's hand-tuned AT weight, 1000; otherwise
shapes_sem_seg_single_at.py. The sweep's curve (Δ to the student against the weight) is drawn by
tools/run_benchmark.py --report.
"""
from .common.shapes_segmentation_paths import AT_WEIGHT
from .shapes_sem_seg_single_at import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="hand_tuned", init_weights={"at": 0.1 * AT_WEIGHT})
train.output_dir = "./output/shapes_sem_seg_single_at_x0_1"
