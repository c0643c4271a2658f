"""Tables 2 and 3 (CIFAR-100), "Single" AT: attention transfer on res2-res5 alone, at its hand-tuned weight
1000."""
from .common.classification_paths import WEIGHTS, at
from .cifar100_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at",)})
train.output_dir = "./output/cifar100_single_at"
