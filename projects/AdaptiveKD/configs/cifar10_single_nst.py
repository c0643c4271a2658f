"""Table 2 (CIFAR-10), "Single" NST: neuron selectivity transfer on res2-res5 alone, at its hand-tuned weight
10."""
from .common.classification_paths import WEIGHTS, nst
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [nst]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("nst",)})
train.output_dir = "./output/cifar10_single_nst"
