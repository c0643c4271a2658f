"""Multiobjective AT + ST on the embedded classification benchmark (shapes_cls) with the cheap gradients of
MGDA-UB (Sener & Koltun, NeurIPS 2018): Eq. 4's min-norm weights from each path's gradient at the student's res2
output, the last map both paths depend on (AT's first term is res2 itself; ST's logits are computed from it),
instead of over all student parameters.
"""
from .shapes_cls_multiobjective import dataloader, lr_multiplier, model, optimizer, train

model.aggregator = dict(method="multiobjective", representation="backbone:res2")
train.output_dir = "./output/shapes_cls_multiobjective_representation"
