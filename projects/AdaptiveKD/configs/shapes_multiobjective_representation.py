"""Multiobjective Feats_P + Box on the embedded shapes detection benchmark with the cheap gradients of MGDA-UB
(Sener & Koltun, NeurIPS 2018): Eq. 4's min-norm weights from each path's gradient at the FPN outputs P3-P7,
which both paths depend on, instead of over all student parameters (the backward per path stops there).
"""
from .shapes_multiobjective import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="multiobjective", representation="backbone")
train.output_dir = "./output/shapes_multiobjective_representation"
