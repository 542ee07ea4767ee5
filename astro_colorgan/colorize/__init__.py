"""Colour for astronomical images from a trained model, guided by measured colour."""

from ._colorizer import DEFAULT_MODEL, SINGLE_BAND_MODEL, Colorizer
from ._core import pad_to_multiple
from ._hints import MeasuredColour, colour_hints, measured_colour
from ._result import PREDICTED_COLOURS_NOTE, ColorizedImage
from ._scaling import DisplayScaling
from ._tiling import check_tiling, tile_rows, tile_size, tile_starts, tile_weight

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["Colorizer", "ColorizedImage", "DEFAULT_MODEL", "SINGLE_BAND_MODEL",
           "DisplayScaling", "MeasuredColour", "measured_colour", "tile_rows"]
