"""Tables 2 and 3 (ImageNet-200), Figure 2, "Adaptive" FM + SR: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import fm, sr_sharing_fm
from .imagenet200_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [fm, sr_sharing_fm]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/imagenet200_adaptive_fm_sr"
