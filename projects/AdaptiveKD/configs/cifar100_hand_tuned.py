"""Tables 2 and 3 (CIFAR-100), "Hand-tuned" AT + ST: v = [1000, 0.1] (§4)."""
from .common.classification_paths import WEIGHTS, at, st
from .cifar100_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at", "st")})
train.output_dir = "./output/cifar100_hand_tuned"
