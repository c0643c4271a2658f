"""Table 2 (CIFAR-10), Figure 2, "Adaptive" OFD + SR: v = e^-z learned (Eq. 5)."""
from .common.classification_paths import ofd, sr
from .cifar10_adaptive import dataloader, lr_multiplier, model, optimizer, train

model.paths = [ofd(teacher_depth=50), sr]
model.aggregator = dict(method="adaptive", alpha=1.0)
train.output_dir = "./output/cifar10_adaptive_ofd_sr"
