"""Table 5 (Cityscapes), "Student": GFL ResNet-18 FPN on Cityscapes' 8 instance classes, started from the
COCO student (run coco_student.py first), 64 epochs at lr 0.01.

    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/cityscapes_student.py --num-gpus 8
"""
from .common.cityscapes_det_data import dataloader
from .common.cityscapes_det_schedule import lr_multiplier, optimizer, train
from .common.gfl_r18_fpn import model

model.num_classes = 8
train.output_dir = "./output/cityscapes_student"
