"""Table 2 (ImageNet-1K), "Single" ST: soft targets (T = 4) alone, at its hand-tuned weight 0.1."""
from .common.classification_paths import WEIGHTS, st
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("st",)})
train.output_dir = "./output/imagenet1k_single_st"
