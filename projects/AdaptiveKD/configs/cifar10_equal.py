"""Table 2 (CIFAR-10), "Equal" AT + ST: v = [1, 1]."""
from .common.classification_paths import at, st
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/cifar10_equal"
