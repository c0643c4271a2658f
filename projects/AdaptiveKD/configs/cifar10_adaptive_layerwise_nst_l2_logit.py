"""Table 2 (CIFAR-10), "Adaptive-layerwise" NST + l2-logit: one learned weight per NST stage and one for
l2-logit: 4+1 paths."""
from .common.classification_paths import l2_logit, nst_layerwise
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [nst_layerwise, l2_logit]
model.aggregator = dict(method="adaptive_layerwise", alpha=1.0)
train.output_dir = "./output/cifar10_adaptive_layerwise_nst_l2_logit"
