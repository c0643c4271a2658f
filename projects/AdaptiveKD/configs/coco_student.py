"""Table 5, "Student": GFL ResNet-18 FPN on COCO, the paper's 12-epoch schedule (batch 8, lr 0.02).

    python tools/convert_torchvision_resnet.py --depth 18 --output pretrained/R-18.pkl
    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/coco_student.py --num-gpus 8
"""
from .common.coco_data import dataloader
from .common.coco_schedule import lr_multiplier, optimizer, train
from .common.gfl_r18_fpn import model

train.output_dir = "./output/coco_student"
