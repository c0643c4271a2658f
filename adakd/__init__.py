__version__ = "0.1.0"

# zoo://<entry> paths work wherever detectron2 opens files (train.init_checkpoint, model.teacher_weights).
from . import model_zoo  # noqa: E402,F401
