"""Reprojection of several images onto one pixel grid with ``reproject``."""

from ._core import INTERPOLATION_ORDERS, interpolation_order, reproject_image
from ._grid import common_grid, parse_reference
from ._high_level import AlignedImages, align_images

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["AlignedImages", "align_images", "common_grid", "reproject_image"]
