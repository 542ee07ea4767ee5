"""Colour for astronomical images from a trained model, guided by measured colour."""

from ._colorizer import DEFAULT_MODEL, SINGLE_BAND_MODEL, Colorizer
from ._core import pad_to_multiple
from ._hints import MeasuredColour, colour_hints, measured_colour
from ._result import PREDICTED_COLOURS_NOTE, ColorizedImage
from ._scaling import DisplayScaling
from ._tiling import tile_rows, tile_size, tile_starts, tile_weight

__all__ = ["Colorizer", "ColorizedImage", "DEFAULT_MODEL", "SINGLE_BAND_MODEL",
           "PREDICTED_COLOURS_NOTE", "DisplayScaling", "MeasuredColour", "measured_colour",
           "colour_hints", "pad_to_multiple", "tile_rows", "tile_size",
           "tile_starts", "tile_weight"]
