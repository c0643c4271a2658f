"""Table 2 (CIFAR-10), Figure 2, "Hand-tuned" AT + SR: AT at 1000, softmax regression at 1."""
from .common.classification_paths import WEIGHTS, at, sr
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, sr]
model.aggregator = dict(method="hand_tuned", init_weights={k: WEIGHTS[k] for k in ("at", "sr")})
train.output_dir = "./output/cifar10_hand_tuned_at_sr"
