"""``zoo://<entry>`` as a path: wherever detectron2 reads a file through its PathManager
(``train.init_checkpoint``, ``model.teacher_weights``), a zoo entry's verified checkpoint can be named."""
from detectron2.utils.file_io import PathHandler, PathManager

from .model_zoo import get_checkpoint


class ZooPathHandler(PathHandler):
    PREFIX = "zoo://"

    def _get_supported_prefixes(self):
        return [self.PREFIX]

    def _get_local_path(self, path, **kwargs):
        return get_checkpoint(path[len(self.PREFIX):])

    def _open(self, path, mode="r", **kwargs):
        if "w" in mode or "a" in mode:
            raise ValueError(f"{path}: model zoo checkpoints are read-only")
        return PathManager.open(self._get_local_path(path), mode, **kwargs)

    def _exists(self, path, **kwargs):
        try:
            self._get_local_path(path)
        except (KeyError, FileNotFoundError):
            return False
        return True

    def _isfile(self, path, **kwargs):
        return self._exists(path)


def register_zoo_handler():
    if ZooPathHandler.PREFIX not in PathManager._path_handlers:
        PathManager.register_handler(ZooPathHandler())
