"""Table 4 on the embedded shapes benchmark, "Student": Semantic FPN on the quarter-width shapes ResNet-18,
started from the shipped shapes detection student, with the shapes recipe (AdamW, 1400 iterations, cosine)."""
from .common.shapes_sem_seg_data import dataloader
from .common.shapes_sem_seg_schedule import lr_multiplier, optimizer, train
from .common.shapes_semantic_fpn import model

train.output_dir = "./output/shapes_sem_seg_student"
