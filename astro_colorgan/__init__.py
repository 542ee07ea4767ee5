"""astro_colorgan: colour images from astronomical data.

Multi-filter colour composites built on astropy, reproject and photutils,
and a conditional-GAN colorizer for single-band images.
"""

from .version import version as __version__
from .io import read_image
from .composite import stack
from .colorize import Colorizer

__all__ = ["__version__", "read_image", "stack", "Colorizer"]
