"""Table 2 (CIFAR-10), Figure 2, "Hand-tuned" FM + ST: feature matching at 1, soft targets at 0.1."""
from .common.classification_paths import WEIGHTS, fm, st
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("fm", "st")})
train.output_dir = "./output/cifar10_hand_tuned_fm_st"
