"""Tables 2 and 3 (ImageNet-200), Figure 2, "Adaptive" AT + SR: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import at, sr
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [at, sr]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/imagenet200_adaptive_at_sr"
