"""Table 2 (CIFAR-10), "Teacher": ResNet-50 with the CIFAR stem, trained alone on the student's schedule."""
from .cifar10_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 50
model.head.in_channels = 2048
train.output_dir = "./output/cifar10_teacher"
