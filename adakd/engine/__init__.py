from .grad_clip import GradientClipHook
