"""Tables 2 and 3 (ImageNet-200), "Single" NST: neuron selectivity transfer on res2-res5 alone, at its
hand-tuned weight 10."""
from .common.classification_paths import WEIGHTS, nst
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [nst]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("nst",)})
train.output_dir = "./output/imagenet200_single_nst"
