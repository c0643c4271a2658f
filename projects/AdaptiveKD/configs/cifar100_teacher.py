"""Tables 2 and 3 (CIFAR-100), "Teacher": ResNet-50 with the CIFAR stem, trained alone on the student's schedule."""
from .cifar100_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 50
model.head.in_channels = 2048
train.output_dir = "./output/cifar100_teacher"
