"""Table 2 (ImageNet-1K), "Teacher": the standard ResNet-50, trained alone on the student's schedule."""
from .imagenet1k_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 50
model.head.in_channels = 2048
train.output_dir = "./output/imagenet1k_teacher"
