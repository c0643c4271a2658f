from .center_crop import CenterCrop
from .classification_mapper import ClassificationDatasetMapper
from .register_classification import register_classification_datasets
from .register_shapes import register_shapes
from .shapes import SHAPES_CLASSES, SEM_SEG_CLASSES, ShapesSpec, ensure_shapes
from .shapes_pretrain import PRETRAIN_CLASSES, ShapesPretrainSpec, ensure_shapes_pretrain
from .shapes_classification import ShapesClassificationSpec, ensure_shapes_classification

# Like detectron2's builtin datasets, the embedded benchmark and the classification names are registered
# on import.
register_shapes()
register_classification_datasets()
