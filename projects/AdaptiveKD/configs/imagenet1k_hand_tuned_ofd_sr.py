"""Table 2 (ImageNet-1K), Figure 2, "Hand-tuned" OFD + SR: OFD at the authors' weight for this dataset,
softmax regression at 1 (through its own adapter: OFD has connectors of its own).
"""
from .common.classification_paths import OFD_WEIGHTS, WEIGHTS, ofd, sr
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=50), sr]
model.aggregator = dict(method="hand_tuned", init_weights={"ofd": OFD_WEIGHTS["imagenet1k"], "sr": WEIGHTS["sr"]})
train.output_dir = "./output/imagenet1k_hand_tuned_ofd_sr"
