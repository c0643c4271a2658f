"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), Figure 2, "Hand-tuned" FM + ST:
feature matching at 1, soft targets at 0.1."""
from .common.classification_paths import WEIGHTS, fm, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("fm", "st")})
train.output_dir = "./output/shapes_cls_hand_tuned_fm_st"
