"""Table 4 (ADE20K), "Student": Semantic FPN ResNet-18, SGD lr 0.01, poly 0.9, 80k iterations, batch 8.

    python tools/convert_torchvision_resnet.py --depth 18 --output pretrained/R-18.pkl
    tools/lazyconfig_train_net.py --config-file projects/AdaptiveKD/configs/ade20k_student.py --num-gpus 8
"""
from .common.ade20k_data import dataloader
from .common.sem_seg_schedule import lr_multiplier, optimizer, train
from .common.semantic_fpn_r18 import model

train.output_dir = "./output/ade20k_student"
