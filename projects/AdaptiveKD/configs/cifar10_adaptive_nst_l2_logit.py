"""Table 2 (CIFAR-10), "Adaptive" NST + l2-logit: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import l2_logit, nst
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [nst, l2_logit]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/cifar10_adaptive_nst_l2_logit"
