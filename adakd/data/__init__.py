from .register_shapes import register_shapes
from .shapes import SHAPES_CLASSES, SEM_SEG_CLASSES, ShapesSpec, ensure_shapes

# Like detectron2's builtin datasets, the embedded benchmark is registered on import.
register_shapes()
