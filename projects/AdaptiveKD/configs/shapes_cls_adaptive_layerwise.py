"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Adaptive-layerwise" AT + ST: one
learned weight per AT stage and one for ST: 4+1 paths."""
from .common.classification_paths import at_layerwise, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at_layerwise, st]
model.aggregator = dict(method="adaptive_layerwise", alpha=1.0)
train.output_dir = "./output/shapes_cls_adaptive_layerwise"
