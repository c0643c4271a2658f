"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Teacher": the quarter-width ResNet-50
(CIFAR stem), trained alone on the student's schedule."""
from .shapes_cls_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stages.depth = 50
model.head.in_channels = 512
train.output_dir = "./output/shapes_cls_teacher"
