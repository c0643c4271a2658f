"""Tables 2 and 3 (ImageNet-200), "Single" AT: attention transfer on res2-res5 alone, at its hand-tuned weight
1000."""
from .common.classification_paths import WEIGHTS, at
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at",)})
train.output_dir = "./output/imagenet200_single_at"
