"""astro_colorgan: colour images from astronomical data.

Multi-filter colour composites built on astropy, reproject and photutils,
and a conditional-GAN colorizer for single-band images.
"""

from .version import version as __version__
from .io import read_image
from .composite import stack

__all__ = ["__version__", "read_image", "stack", "Colorizer"]


def __getattr__(name):
    # the colorizer needs torch: import it only when it is asked for
    if name == "Colorizer":
        from .colorize import Colorizer

        return Colorizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
