"""Colour for astronomical images from a trained model, guided by measured colour."""

from ._colorizer import DEFAULT_MODEL, FUSION_MODEL, GUIDED_MIX_MODEL, SINGLE_BAND_MODEL, Colorizer
from ._result import ColorizedImage
from ._scaling import DisplayScaling
from ._subject import SUBJECTS, Subject, choose_subject
from ._tiling import tile_rows

__all__ = ["Colorizer", "ColorizedImage", "DEFAULT_MODEL", "SINGLE_BAND_MODEL", "GUIDED_MIX_MODEL",
           "FUSION_MODEL",
           "DisplayScaling", "tile_rows", "SUBJECTS", "Subject", "choose_subject"]
