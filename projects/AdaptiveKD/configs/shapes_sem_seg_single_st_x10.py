"""Issue 24's weight sweep: per-pixel soft targets (ST) alone at 10× the paper's hand-tuned ST weight, 0.1; otherwise
shapes_sem_seg_single_st.py. The sweep's curve (Δ to the student against the weight) is drawn by
tools/run_benchmark.py --report.
"""
from .common.shapes_segmentation_paths import ST_WEIGHT
from .shapes_sem_seg_single_st import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="hand_tuned", init_weights={"st": 10 * ST_WEIGHT})
train.output_dir = "./output/shapes_sem_seg_single_st_x10"
