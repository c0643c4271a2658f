"""Table 5 (Cityscapes), "Teacher": GFL ResNet-101 FPN, started from the COCO teacher (coco_teacher.py)."""
from .cityscapes_student import dataloader, lr_multiplier, model, optimizer, train

model.backbone.bottom_up.stages.depth = 101
train.init_checkpoint = "output/coco_teacher/model_final.pth"
train.output_dir = "./output/cityscapes_teacher"
