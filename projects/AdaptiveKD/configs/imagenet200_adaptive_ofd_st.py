"""Table 2 (ImageNet-200), Figure 2, "Adaptive" OFD + ST: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import ofd, st
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=50), st]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/imagenet200_adaptive_ofd_st"
