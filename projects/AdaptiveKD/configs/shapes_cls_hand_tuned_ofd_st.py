"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), Figure 2, "Hand-tuned" OFD + ST: OFD at the authors' weight for this dataset,
soft targets at 0.1.
"""
from .common.classification_paths import OFD_WEIGHTS, WEIGHTS, ofd, st
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=34), st]
model.aggregator = dict(method="hand_tuned", init_weights={"ofd": OFD_WEIGHTS["shapes_cls"], "st": WEIGHTS["st"]})
train.output_dir = "./output/shapes_cls_hand_tuned_ofd_st"
