"""IMTL-G (Liu et al., ICLR 2021): the combination with equal projections on every unit path gradient, as the
aggregator of the embedded shapes segmentation benchmark, AT + ST: the paths and recipe of
shapes_sem_seg_adaptive.py, another way to weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="imtl_g")
train.output_dir = "./output/shapes_sem_seg_imtl_g"
