"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Single" ST: soft targets (T = 4)
alone, at its hand-tuned weight 0.1."""
from .common.classification_paths import WEIGHTS, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [st]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("st",)})
train.output_dir = "./output/shapes_cls_single_st"
