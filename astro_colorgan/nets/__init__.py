"""The networks of the GAN colorizer: U-Net generator, PatchGAN discriminator and model files."""

from ._discriminator import PatchDiscriminator
from ._generator import CHROMA_STRIDE, HINT_CHANNELS, SIZE_MULTIPLE, ChromaUNet
from ._model import ColorModel, file_sha256, load_model, resolve_device, save_model

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["ColorModel", "load_model", "save_model"]
