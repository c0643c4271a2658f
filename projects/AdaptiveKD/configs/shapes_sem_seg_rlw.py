"""RLW (Lin et al., TMLR 2022): path weights drawn afresh each step, softmax of standard normal draws, the random
baseline every balancer should beat, as the aggregator of the embedded shapes segmentation benchmark, AT + ST: the
paths and recipe of shapes_sem_seg_adaptive.py, another way to weight them.
"""
from .common.shapes_segmentation_paths import at, st
from .shapes_sem_seg_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="rlw")
train.output_dir = "./output/shapes_sem_seg_rlw"
