"""The colour spaces of the package: Rec. 709 luma and chroma (Y', Cb, Cr), and CIELAB with
the CIE94 difference (for losses); none of it needs torch unless given a tensor."""

from ._lab import delta_e94, rgb_to_lab
from ._ycbcr import (LUMA_WEIGHTS, absolute_chroma, chroma_to_rgb, foreground_weight,
                     relative_chroma, rgb_to_chroma, rgb_to_luma)

__all__ = ["LUMA_WEIGHTS", "rgb_to_luma", "rgb_to_chroma", "chroma_to_rgb", "relative_chroma",
           "absolute_chroma", "foreground_weight", "rgb_to_lab", "delta_e94"]
