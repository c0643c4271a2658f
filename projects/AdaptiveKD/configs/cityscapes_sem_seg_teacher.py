"""Table 4 (Cityscapes), "Teacher": Semantic FPN ResNet-101 (torchvision ImageNet weights, R-101.pkl)."""
from .cityscapes_sem_seg_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
train.init_checkpoint = "pretrained/R-101.pkl"  # tools/convert_torchvision_resnet.py --depth 101
train.output_dir = "./output/cityscapes_sem_seg_teacher"
