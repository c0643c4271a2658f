"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), Figure 2, "Hand-tuned" FM + SR:
feature matching and softmax regression at 1 each."""
from .common.classification_paths import WEIGHTS, fm, sr_sharing_fm
from .shapes_cls_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, sr_sharing_fm]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("fm", "sr")})
train.output_dir = "./output/shapes_cls_hand_tuned_fm_sr"
