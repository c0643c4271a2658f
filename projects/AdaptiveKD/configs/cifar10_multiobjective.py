"""Table 2 (CIFAR-10), "Multiobjective" AT + ST: min-norm combination of the path gradients (Eq. 4)."""
from .common.classification_paths import at, st
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="multiobjective")
train.output_dir = "./output/cifar10_multiobjective"
