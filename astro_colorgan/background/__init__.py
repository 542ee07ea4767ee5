"""Per-filter sky background estimation and subtraction (photutils ``Background2D``)."""

from ._core import default_box_size, estimate_background, subtract_background

__all__ = ["default_box_size", "estimate_background", "subtract_background"]
