"""The networks of the GAN colorizer: U-Net generator, PatchGAN discriminator and model files."""

from ._discriminator import PatchDiscriminator
from ._generator import CHROMA_STRIDE, HINT_CHANNELS, SIZE_MULTIPLE, ChromaUNet
from ._model import ColorModel, file_sha256, load_model, resolve_device, save_model

__all__ = [
    "ChromaUNet", "PatchDiscriminator", "CHROMA_STRIDE", "SIZE_MULTIPLE",
    "ColorModel", "save_model", "load_model", "file_sha256", "resolve_device",
    "HINT_CHANNELS",
]
