"""Table 2 (ImageNet-1K), "Adaptive-layerwise" AT + ST: one learned weight per AT stage and one for ST: 4+1
paths."""
from .common.classification_paths import at_layerwise, st
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at_layerwise, st]
model.aggregator = dict(method="adaptive_layerwise", alpha=1.0)
train.output_dir = "./output/imagenet1k_adaptive_layerwise"
