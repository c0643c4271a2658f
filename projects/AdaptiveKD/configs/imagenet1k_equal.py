"""Table 2 (ImageNet-1K), "Equal" AT + ST: v = [1, 1]."""
from .common.classification_paths import at, st
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/imagenet1k_equal"
