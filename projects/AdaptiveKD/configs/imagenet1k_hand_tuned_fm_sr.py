"""Table 2 (ImageNet-1K), Figure 2, "Hand-tuned" FM + SR: feature matching and softmax regression at 1 each."""
from .common.classification_paths import WEIGHTS, fm, sr_sharing_fm
from .imagenet1k_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, sr_sharing_fm]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("fm", "sr")})
train.output_dir = "./output/imagenet1k_hand_tuned_fm_sr"
