"""Tables 2 and 3 (ImageNet-200), "Teacher": ResNet-50 with the CIFAR stem, trained alone on the student's schedule."""
from .imagenet200_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 50
model.head.in_channels = 2048
train.output_dir = "./output/imagenet200_teacher"
