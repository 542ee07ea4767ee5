"""The networks of the GAN colorizer: U-Net generator, PatchGAN discriminator and model files."""

from ._model import ColorModel, load_model, save_model

__all__ = ["ColorModel", "load_model", "save_model"]
