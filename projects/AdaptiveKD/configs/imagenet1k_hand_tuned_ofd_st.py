"""Table 2 (ImageNet-1K), Figure 2, "Hand-tuned" OFD + ST: OFD at the authors' weight for this dataset,
soft targets at 0.1.
"""
from .common.classification_paths import OFD_WEIGHTS, WEIGHTS, ofd, st
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=50), st]
model.aggregator = dict(method="hand_tuned", init_weights={"ofd": OFD_WEIGHTS["imagenet1k"], "st": WEIGHTS["st"]})
train.output_dir = "./output/imagenet1k_hand_tuned_ofd_st"
