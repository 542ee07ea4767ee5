"""astro_colorgan: colour images from astronomical data.

Multi-filter colour composites built on astropy, reproject and photutils,
and a conditional-GAN colorizer for single-band images.
"""

from .version import version as __version__

__all__ = ["__version__", "read_image", "stack", "Colorizer"]

# imported when first used: the command line starts without astropy, reproject or torch
_LAZY = {"read_image": ".io", "stack": ".composite", "Colorizer": ".colorize"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
