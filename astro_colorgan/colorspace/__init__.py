"""The colour space of the colorizer: Rec. 709 luma and chroma (Y', Cb, Cr), without torch."""

from ._ycbcr import (LUMA_EPS, LUMA_WEIGHTS, RELATIVE_CHROMA_MAX, absolute_chroma, chroma_to_rgb,
                     foreground_weight, relative_chroma, rgb_to_chroma, rgb_to_luma)

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["rgb_to_luma", "rgb_to_chroma", "chroma_to_rgb", "relative_chroma",
           "absolute_chroma", "foreground_weight"]
