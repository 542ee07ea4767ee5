"""The colour space of the colorizer: Rec. 709 luma and chroma (Y', Cb, Cr), without torch."""

from ._ycbcr import (LUMA_WEIGHTS, absolute_chroma, chroma_to_rgb, foreground_weight,
                     relative_chroma, rgb_to_chroma, rgb_to_luma)

__all__ = ["LUMA_WEIGHTS", "rgb_to_luma", "rgb_to_chroma", "chroma_to_rgb", "relative_chroma",
           "absolute_chroma", "foreground_weight"]
