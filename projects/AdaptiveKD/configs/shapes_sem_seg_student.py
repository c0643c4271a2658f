"""Table 4 on the embedded shapes benchmark, "Student": Semantic FPN on the shapes ResNet-18 (half width),
started from the shipped shapes detection student's backbone, 1000 iterations at lr 0.01, poly 0.9."""
from .common.shapes_sem_seg_data import dataloader
from .common.shapes_sem_seg_schedule import lr_multiplier, optimizer, train
from .common.shapes_semantic_fpn import model

train.output_dir = "./output/shapes_sem_seg_student"
