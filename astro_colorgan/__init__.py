"""astro_colorgan: colour images from astronomical data.

Multi-filter colour composites built on astropy, reproject and photutils,
and a conditional-GAN colorizer for single-band images.
"""

from .version import version as __version__

__all__ = ["__version__"]
