"""Table 2 (ImageNet-1K), "Adaptive" NST + l2-logit: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import l2_logit, nst
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [nst, l2_logit]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/imagenet1k_adaptive_nst_l2_logit"
