"""Per-filter sky background estimation and subtraction (photutils ``Background2D``)."""

from ._core import default_box_size, estimate_background, subtract_background

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["estimate_background", "subtract_background"]
