from .model_zoo import (
    ZooChecksumError,
    cache_dir,
    get,
    get_checkpoint,
    get_config,
    get_config_file,
    get_entry,
    list_entries,
    manifest_path,
)
from .zoo_path_handler import ZooPathHandler, register_zoo_handler

register_zoo_handler()
