"""Table 2 (CIFAR-10), "Adaptive-layerwise" AT + ST + NST + l2-logit: one learned weight per AT and NST stage,
one each for ST and l2-logit: 8+2 paths."""
from .common.classification_paths import at_layerwise, l2_logit, nst_layerwise, st
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at_layerwise, st, nst_layerwise, l2_logit]
model.aggregator = dict(method="adaptive_layerwise", alpha=1.0)
train.output_dir = "./output/cifar10_adaptive_layerwise_four_paths"
