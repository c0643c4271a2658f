"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), Figure 2, "Hand-tuned" OFD + SR: OFD at the authors' weight for this dataset,
softmax regression at 1 (through its own adapter: OFD has connectors of its own).
"""
from .common.classification_paths import OFD_WEIGHTS, WEIGHTS, ofd, sr
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=34), sr]
model.aggregator = dict(method="hand_tuned", init_weights={"ofd": OFD_WEIGHTS["shapes_cls"], "sr": WEIGHTS["sr"]})
train.output_dir = "./output/shapes_cls_hand_tuned_ofd_sr"
