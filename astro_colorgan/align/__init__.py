"""Reprojection of several images onto one pixel grid with ``reproject``."""

from ._core import INTERPOLATION_ORDERS, interpolation_order, reproject_image
from ._grid import common_grid, parse_reference
from ._high_level import AlignedImages, align_images

__all__ = [
    "INTERPOLATION_ORDERS",
    "AlignedImages",
    "align_images",
    "common_grid",
    "interpolation_order",
    "parse_reference",
    "reproject_image",
]
