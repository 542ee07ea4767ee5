"""The colour space of the colorizer: BT.709 luma and chroma (Y', Cb, Cr).

The colorizer sees the Rec. 709 luma ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` of a
display-scaled image and predicts the two chroma planes
``Cb = (B - Y) / 1.8556`` and ``Cr = (R - Y) / 1.5748``. The output is recomposed
as ``RGB = Y + s * D(Cb, Cr)``, where ``D`` is the chroma's contribution to each
channel (whose luma is zero by construction) and ``s`` in [0, 1] is the largest
factor that keeps every channel inside [0, 1]. The luma of the output therefore
equals the input exactly: the colorizer adds colour, never structure.

Chroma scales with brightness (a faint red wisp has a small Cr), so the
networks predict the *relative chroma* ``u = (Cb, Cr) / (Y + LUMA_EPS)``, a
hue-and-saturation that does not depend on brightness; ``(Cb, Cr) = u (Y + LUMA_EPS)``
puts it back under the full-resolution luma.

All functions work on `numpy.ndarray` or `torch.Tensor`, channel axis given by
``axis`` (``-1`` for ``(ny, nx, 3)`` images, ``1`` for ``(batch, 3, ny, nx)``);
this module needs no torch (it imports it only when given a tensor), so that
evaluation and batch work can compute a luma without loading it.
"""

import numpy as np

__all__ = ["LUMA_WEIGHTS", "LUMA_EPS", "RELATIVE_CHROMA_MAX", "rgb_to_luma", "rgb_to_chroma",
           "chroma_to_rgb", "relative_chroma", "absolute_chroma", "foreground_weight"]

#: Softening of the luma in the relative chroma ``u = (Cb, Cr) / (Y + LUMA_EPS)``.
LUMA_EPS = 0.02
#: Relative chroma is clipped to [-RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX].
RELATIVE_CHROMA_MAX = 2.5
#: Rec. 709 luma weights for R, G, B.
LUMA_WEIGHTS = (0.2126, 0.7152, 0.0722)
_KB = 2 * (1 - LUMA_WEIGHTS[2])  # 1.8556
_KR = 2 * (1 - LUMA_WEIGHTS[0])  # 1.5748


def _split(rgb, axis):
    if rgb.shape[axis] != 3:
        raise ValueError(f"expected 3 colour channels on axis {axis}, got shape {tuple(rgb.shape)}")
    index = [slice(None)] * rgb.ndim
    planes = []
    for c in range(3):
        index[axis] = c
        planes.append(rgb[tuple(index)])
    return planes


def _stack(planes, axis, like):
    if isinstance(like, np.ndarray):
        return np.stack(planes, axis=axis)
    import torch

    return torch.stack(planes, dim=axis)


def rgb_to_luma(rgb, axis=-1):
    """Rec. 709 luma of an RGB image.

    Parameters
    ----------
    rgb : `numpy.ndarray` or `torch.Tensor`
        RGB image with the three channels on ``axis``, values in [0, 1].
    axis : int
        The channel axis.

    Returns
    -------
    luma : same type as ``rgb``
        The luma, with the channel axis removed.

    Examples
    --------
    >>> import numpy as np
    >>> float(rgb_to_luma(np.array([1.0, 1.0, 1.0])))
    1.0
    """
    r, g, b = _split(rgb, axis)
    return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b


def rgb_to_chroma(rgb, axis=-1):
    """The chroma planes (Cb, Cr) of an RGB image, stacked on ``axis``.

    Parameters
    ----------
    rgb : `numpy.ndarray` or `torch.Tensor`
        RGB image with the three channels on ``axis``.
    axis : int
        The channel axis.

    Returns
    -------
    chroma : same type as ``rgb``
        Cb and Cr on ``axis`` (each in [-0.5, 0.5] for RGB in [0, 1]).
    """
    r, g, b = _split(rgb, axis)
    y = LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b
    return _stack([(b - y) / _KB, (r - y) / _KR], axis, rgb)


def chroma_to_rgb(luma, chroma, axis=-1):
    """Recompose RGB from luma and chroma, keeping the luma exactly.

    The chroma is scaled down, pixel by pixel, just enough that R, G and B stay
    in [0, 1]; since the chroma's contribution has zero luma, the output's
    Rec. 709 luma equals ``luma`` (for ``luma`` in [0, 1]).

    Parameters
    ----------
    luma : `numpy.ndarray` or `torch.Tensor`
        Luma in [0, 1], shape of the image without the channel axis.
    chroma : `numpy.ndarray` or `torch.Tensor`
        Cb and Cr stacked on ``axis``.
    axis : int
        The channel axis of ``chroma`` and of the output.

    Returns
    -------
    rgb : same type as ``luma``
        R, G, B on ``axis``, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> rgb = np.array([[0.8, 0.3, 0.1]])
    >>> out = chroma_to_rgb(rgb_to_luma(rgb), rgb_to_chroma(rgb))
    >>> bool(np.allclose(out, rgb))
    True
    """
    is_numpy = isinstance(luma, np.ndarray)
    cb, cr = _split_two(chroma, axis)
    d_r = _KR * cr
    d_b = _KB * cb
    d_g = -(LUMA_WEIGHTS[0] * d_r + LUMA_WEIGHTS[2] * d_b) / LUMA_WEIGHTS[1]
    eps = 1e-12
    scale = None
    for d in (d_r, d_g, d_b):
        # largest s with 0 <= luma + s * d <= 1
        if is_numpy:
            room = np.where(d > 0, (1 - luma) / np.maximum(d, eps), luma / np.maximum(-d, eps))
            room = np.where(np.abs(d) <= eps, np.inf, room)
            scale = room if scale is None else np.minimum(scale, room)
        else:
            import torch

            room = torch.where(d > 0, (1 - luma) / d.clamp(min=eps), luma / (-d).clamp(min=eps))
            room = torch.where(d.abs() <= eps, torch.full_like(room, float("inf")), room)
            scale = room if scale is None else torch.minimum(scale, room)
    if is_numpy:
        scale = np.clip(scale, 0.0, 1.0)
    else:
        scale = scale.clamp(0.0, 1.0)
    return _stack([luma + scale * d_r, luma + scale * d_g, luma + scale * d_b], axis, luma)


def _split_two(chroma, axis):
    if chroma.shape[axis] != 2:
        raise ValueError(f"expected 2 chroma channels on axis {axis}, "
                         f"got shape {tuple(chroma.shape)}")
    index = [slice(None)] * chroma.ndim
    index[axis] = 0
    cb = chroma[tuple(index)]
    index[axis] = 1
    return cb, chroma[tuple(index)]


def relative_chroma(chroma, luma, axis=-1):
    """Relative chroma ``u = (Cb, Cr) / (Y + LUMA_EPS)``.

    Parameters
    ----------
    chroma : `numpy.ndarray` or `torch.Tensor`
        Cb, Cr on ``axis``.
    luma : `numpy.ndarray` or `torch.Tensor`
        Luma, broadcastable against ``chroma`` (keep a length-1 channel axis).
    axis : int
        Unused; for symmetry with the other functions.

    Returns
    -------
    same type as ``chroma``
    """
    return chroma / (luma + LUMA_EPS)


def absolute_chroma(relative, luma, axis=-1):
    """Inverse of `relative_chroma`: ``(Cb, Cr) = u (Y + LUMA_EPS)``."""
    return relative * (luma + LUMA_EPS)


def foreground_weight(luma, *, low=0.08, high=0.16, floor=0.1):
    """Per-pixel loss weight: ``floor`` on the dark sky, 1 on the object.

    The protocol scores colours where CIELAB L* > 15 (display luma above about
    0.14): the dark background, where the colour is mostly noise, should not
    decide the hues the network learns.

    Parameters
    ----------
    luma : `numpy.ndarray` or `torch.Tensor`
        Luma in [0, 1].

    Returns
    -------
    same type as ``luma``
        Weights in [``floor``, 1], a linear ramp between ``low`` and ``high``.
    """
    ramp = (luma - low) / (high - low)
    ramp = ramp.clip(0, 1) if isinstance(luma, np.ndarray) else ramp.clamp(0, 1)
    return floor + (1 - floor) * ramp
