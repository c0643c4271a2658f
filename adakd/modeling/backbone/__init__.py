from .resnet_stages import make_resnet_stages
from .cifar_stem import CIFARStem
