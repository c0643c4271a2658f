"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Hand-tuned" AT + ST: v = [1000, 0.1]
(§4)."""
from .common.classification_paths import WEIGHTS, at, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at", "st")})
train.output_dir = "./output/shapes_cls_hand_tuned"
