"""GradNorm (Chen et al., ICML 2018): weights learned to balance the path gradient norms, a = 1.5, as the aggregator
of the embedded shapes segmentation benchmark, AT + ST: the paths and recipe of shapes_sem_seg_adaptive.py, another
way to weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="gradnorm")
train.output_dir = "./output/shapes_sem_seg_gradnorm"
