"""Tables 2 and 3 (ImageNet-200), Figure 2, "Adaptive" FM + ST: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import fm, st
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, st]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/imagenet200_adaptive_fm_st"
