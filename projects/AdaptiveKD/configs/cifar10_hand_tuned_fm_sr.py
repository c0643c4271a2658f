"""Table 2 (CIFAR-10), Figure 2, "Hand-tuned" FM + SR: feature matching and softmax regression at 1 each."""
from .common.classification_paths import WEIGHTS, fm, sr_sharing_fm
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, sr_sharing_fm]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("fm", "sr")})
train.output_dir = "./output/cifar10_hand_tuned_fm_sr"
