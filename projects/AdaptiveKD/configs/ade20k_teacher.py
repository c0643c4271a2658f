"""Table 4 (ADE20K), "Teacher": Semantic FPN ResNet-101 (torchvision ImageNet weights, R-101.pkl)."""
from .ade20k_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
train.init_checkpoint = "pretrained/R-101.pkl"  # tools/convert_torchvision_resnet.py --depth 101
train.output_dir = "./output/ade20k_teacher"
