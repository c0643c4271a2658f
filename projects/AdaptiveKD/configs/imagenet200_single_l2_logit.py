"""Tables 2 and 3 (ImageNet-200), "Single" l2-logit: logit regression alone, at its hand-tuned weight 0.1."""
from .common.classification_paths import WEIGHTS, l2_logit
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [l2_logit]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("l2_logit",)})
train.output_dir = "./output/imagenet200_single_l2_logit"
