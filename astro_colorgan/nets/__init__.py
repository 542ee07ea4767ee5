"""The networks of the GAN colorizer: U-Net generator, PatchGAN discriminator,
losses, the colour space and chroma quantisation, and model files."""

# the colour space moved to astro_colorgan.colorspace (torch-free); kept importable here
from ..colorspace import (LUMA_EPS, LUMA_WEIGHTS, RELATIVE_CHROMA_MAX, absolute_chroma,  # noqa: F401
                          chroma_to_rgb, foreground_weight, relative_chroma, rgb_to_chroma,
                          rgb_to_luma)
from ._discriminator import PatchDiscriminator
from ._generator import CHROMA_STRIDE, HINT_CHANNELS, SIZE_MULTIPLE, ChromaUNet
from ._losses import lsgan_discriminator_loss, lsgan_generator_loss, rebalanced_cross_entropy
from ._model import ColorModel, file_sha256, load_model, resolve_device, save_model
from ._quantize import (BIN_STEP, annealed_mean, chroma_histogram,
                        rebalancing_weights, select_bins, soft_encode)

__all__ = [
    "ChromaUNet", "PatchDiscriminator", "CHROMA_STRIDE", "SIZE_MULTIPLE",
    "lsgan_generator_loss", "lsgan_discriminator_loss", "rebalanced_cross_entropy",
    "ColorModel", "save_model", "load_model", "file_sha256", "resolve_device",
    "BIN_STEP", "chroma_histogram", "select_bins", "rebalancing_weights", "soft_encode",
    "annealed_mean", "HINT_CHANNELS",
]
