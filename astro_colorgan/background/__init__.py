"""Per-filter sky background estimation and subtraction (photutils ``Background2D``)."""

from ._core import estimate_background, subtract_background

__all__ = ["estimate_background", "subtract_background"]
