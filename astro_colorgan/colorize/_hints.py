"""The hint planes of measured colour that a guided single-band network takes (training)."""

import math

import numpy as np

from ..colorspace import rgb_to_chroma, rgb_to_luma
from ..colorspace._ycbcr import LUMA_EPS, RELATIVE_CHROMA_MAX

__all__ = ["colour_hints"]


def colour_hints(colour, weight, *, coarseness=1.0, two_band=False):
    """The hint planes of measured colour on the luma's grid.

    Parameters
    ----------
    colour : `numpy.ndarray`
        ``(3, ny, nx)`` display-ready R, G, B of the measured colour, on the
        luma's grid (anything where ``weight`` is 0).
    weight : `numpy.ndarray` or float
        ``(ny, nx)`` weight in [0, 1] of the measurement (0: no colour there).
    coarseness : float
        How many luma pixels one pixel of the colour frame spans (1: the same grid).
    two_band : bool
        Whether one filter of three is missing (its channel synthesised).

    Returns
    -------
    hints : `numpy.ndarray`
        ``(5, ny, nx)`` float32, see ``HINT_CHANNELS``.
    """
    colour = np.nan_to_num(np.asarray(colour, np.float32))
    ny, nx = colour.shape[1:]
    weight = np.broadcast_to(np.asarray(weight, np.float32), (ny, nx))
    relative = rgb_to_chroma(colour, axis=0) / (rgb_to_luma(colour, axis=0) + LUMA_EPS)
    relative = np.clip(relative, -RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX) * weight
    coarse = math.log2(max(1.0, float(coarseness))) / 5.0
    return np.concatenate([relative, weight[None],
                           np.full((1, ny, nx), coarse, np.float32) * (weight > 0),
                           np.full((1, ny, nx), float(two_band), np.float32) * (weight > 0)]
                          ).astype(np.float32)
