"""Colorizing single-band images with a trained model."""

from ._bands import DisplayScaling
from ._colorizer import DEFAULT_MODEL, PREDICTED_COLOURS_NOTE, SINGLE_BAND_MODEL, Colorizer
from ._tiling import iter_tiles, tile_rows, tile_size, tile_starts, tile_weight

__all__ = ["Colorizer", "DEFAULT_MODEL", "SINGLE_BAND_MODEL", "DisplayScaling", "PREDICTED_COLOURS_NOTE", "iter_tiles", "tile_rows",
           "tile_size", "tile_starts", "tile_weight"]
