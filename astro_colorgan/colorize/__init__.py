"""Colorizing single-band images with a trained model."""

from ._colorizer import DEFAULT_MODEL, PREDICTED_COLOURS_NOTE, Colorizer
from ._tiling import iter_tiles, tile_rows, tile_size, tile_starts, tile_weight

__all__ = ["Colorizer", "DEFAULT_MODEL", "PREDICTED_COLOURS_NOTE", "iter_tiles", "tile_rows",
           "tile_size", "tile_starts", "tile_weight"]
