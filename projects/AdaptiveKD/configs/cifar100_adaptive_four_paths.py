"""Tables 2 and 3 (CIFAR-100), "Adaptive" AT + ST + NST + l2-logit: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import at, l2_logit, nst, st
from .cifar100_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st, nst, l2_logit]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/cifar100_adaptive_four_paths"
