"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), Figure 2, "Adaptive" OFD + ST: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import ofd, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=34), st]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/shapes_cls_adaptive_ofd_st"
