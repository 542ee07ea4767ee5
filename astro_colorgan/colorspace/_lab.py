"""CIELAB and the CIE94 colour difference, differentiable, for losses that mean what ΔE00 means.

The evaluation protocol scores colour with ΔE00 in CIELAB (scikit-image's
``rgb2lab`` of sRGB, D65). These functions compute the same CIELAB from sRGB
and the CIE94 difference (graphic-arts weights), which follows ΔE00's
weighting of lightness, chroma and hue without its hue-rotation term, and
keeps a finite gradient everywhere: a loss a network can be trained on.
They work on `numpy.ndarray` or `torch.Tensor`, channel axis ``axis``.
"""

import numpy as np

from ._ycbcr import _split, _stack

__all__ = ["rgb_to_lab", "delta_e94"]

# sRGB (linear) to XYZ, D65, divided by the white point (as scikit-image's rgb2lab)
_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                        [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]])
_WHITE = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6.0 / 29.0


def _backend(x):
    if isinstance(x, np.ndarray):
        return np.where, np.clip, np.sqrt
    import torch

    return torch.where, torch.clamp, torch.sqrt


def rgb_to_lab(rgb, axis=-1):
    """CIELAB (D65) of sRGB values in [0, 1] (clipped), as scikit-image's ``rgb2lab``.

    Parameters
    ----------
    rgb : `numpy.ndarray` or `torch.Tensor`
        sRGB image with 3 channels on ``axis``.
    axis : int
        The channel axis.

    Returns
    -------
    lab : same type as ``rgb``
        L* (0–100), a*, b* on ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> rgb_to_lab(np.array([1.0, 1.0, 1.0])).round(1)
    array([100.,  -0.,   0.])
    """
    where, clip, _ = _backend(rgb)
    planes = [clip(p, 0.0, 1.0) for p in _split(rgb, axis)]
    linear = [where(p > 0.04045, ((p + 0.055) / 1.055) ** 2.4, p / 12.92) for p in planes]
    f = []
    for row, white in zip(_RGB_TO_XYZ, _WHITE):
        t = sum(float(c) * p for c, p in zip(row, linear)) / float(white)
        # the cube root, continued linearly below (6/29)³ as CIE defines it
        cube = clip(t, _DELTA ** 3, None) ** (1.0 / 3.0)
        f.append(where(t > _DELTA ** 3, cube, t / (3 * _DELTA ** 2) + 4.0 / 29.0))
    return _stack([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])],
                  axis, rgb)


def delta_e94(lab1, lab2, axis=-1, *, eps=1e-6):
    """The CIE94 colour difference (graphic arts: kL = 1, K1 = 0.045, K2 = 0.015).

    Parameters
    ----------
    lab1, lab2 : `numpy.ndarray` or `torch.Tensor`
        CIELAB, channels on ``axis``; ``lab1`` is the reference.
    axis : int
        The channel axis.
    eps : float
        Softening of the square roots, which keeps the gradient finite where
        the two colours agree.

    Returns
    -------
    delta : same type as the inputs
        ΔE94, without the channel axis.
    """
    _, clip, sqrt = _backend(lab1)
    l1, a1, b1 = _split(lab1, axis)
    l2, a2, b2 = _split(lab2, axis)
    c1 = sqrt(a1 ** 2 + b1 ** 2 + eps)
    c2 = sqrt(a2 ** 2 + b2 ** 2 + eps)
    dc = c1 - c2
    dh2 = clip((a1 - a2) ** 2 + (b1 - b2) ** 2 - dc ** 2, 0.0, None)
    return sqrt((l1 - l2) ** 2 + (dc / (1 + 0.045 * c1)) ** 2
                + dh2 / (1 + 0.015 * c1) ** 2 + eps)
