"""Tables 2 and 3 on the embedded classification benchmark (shapes_cls), "Teacher": a quarter-width ResNet-34
(stem 16 channels, CIFAR stem) on the student's recipe and schedule. A quarter-width ResNet-50 stayed at chance
level for the first 300 of the 1250 iterations (v2 data, SGD), so the CPU-sized teacher keeps basic blocks and
gains its capacity from depth (34 layers) and width (twice the student's)."""
from .shapes_cls_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.stem.out_channels = 16
model.backbone.stages.width = 16
model.backbone.stages.depth = 34
model.head.in_channels = 128
train.output_dir = "./output/shapes_cls_teacher"
