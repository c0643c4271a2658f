"""CAGrad (Liu et al., NeurIPS 2021): the average gradient corrected toward the worst path, c = 0.4, as the aggregator
of the embedded shapes segmentation benchmark, AT + ST: the paths and recipe of shapes_sem_seg_adaptive.py, another
way to weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="cagrad")
train.output_dir = "./output/shapes_sem_seg_cagrad"
