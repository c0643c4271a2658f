from .resnet_stages import make_resnet_stages
