"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Equal" AT + ST: v = [1, 1]."""
from .common.classification_paths import at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/shapes_cls_equal"
