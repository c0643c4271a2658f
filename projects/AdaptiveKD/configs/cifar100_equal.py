"""Tables 2 and 3 (CIFAR-100), "Equal" AT + ST: v = [1, 1]."""
from .common.classification_paths import at, st
from .cifar100_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="equal")
train.output_dir = "./output/cifar100_equal"
