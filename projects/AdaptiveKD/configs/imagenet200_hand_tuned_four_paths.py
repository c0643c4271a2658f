"""Tables 2 and 3 (ImageNet-200), "Hand-tuned" AT + ST + NST + l2-logit: v = [1000, 0.1, 10, 0.1] (§4.1,
Ablations)."""
from .common.classification_paths import WEIGHTS, at, l2_logit, nst, st
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st, nst, l2_logit]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at", "st", "nst", "l2_logit")})
train.output_dir = "./output/imagenet200_hand_tuned_four_paths"
