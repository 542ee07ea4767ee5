"""Classical fusion of a deep frame and colour frames, the baselines a learned fusion must beat.

``ratio``
    colour ratios (Brovey with haze correction, the best classical
    pan-sharpening rule on WorldView-3): the upsampled colour bands ``U``
    scaled by the deep frame over their own luminance, ``U L / (w · U)``;
    sky (haze) is subtracted before, by the caller.
``lstar``
    L* replacement (PixInsight's LRGBCombination): the upsampled colour image
    in CIELAB with its L* replaced by the deep frame's (display-ready data only).

Each may be followed by a chroma blur (`chroma_blur`), the chroma noise
reduction astrophotographers apply, whose width is chosen on validation data.
"""

import numpy as np
import torch

from ._operators import gaussian_blur

__all__ = ["RULES", "ratio_rule", "lstar_rule", "chroma_blur"]

#: The classical rules by name.
RULES = ("ratio", "lstar")


def ratio_rule(up, luma, weights, *, softening=1e-3):
    """Colour ratios under the deep frame, softened where the colour frames are noise.

    ``K = U + (L - w · U) (U⁺ + ε) / (w · U⁺ + ε Σw)`` with ``U⁺`` the
    upsampled bands clipped at 0: where the bands are well above ``ε`` this is
    Brovey's ``U L / (w · U)`` (their ratios under the deep frame's
    luminance); where they are noise it injects the deep frame's detail
    without colour instead of dividing by noise.

    Parameters
    ----------
    up : `torch.Tensor`
        ``(batch, bands, ny, nx)`` colour bands upsampled onto the deep frame's grid.
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the deep frame.
    weights : sequence of float
        The deep frame as a weighted sum of the bands.
    softening : float or `torch.Tensor`
        ``ε``, about the frames' noise (a ``(batch, 1, 1, 1)`` tensor for one
        per image); 1e-3 suits display-ready 8-bit data.

    Returns
    -------
    `torch.Tensor`
        ``(batch, bands, ny, nx)``; its weighted sum is ``luma``.

    Examples
    --------
    >>> import torch
    >>> up = torch.tensor([0.4, 0.2, 0.1]).view(1, 3, 1, 1)
    >>> out = ratio_rule(up, torch.full((1, 1, 1, 1), 0.1), (0.2126, 0.7152, 0.0722),
    ...                  softening=0.0)
    >>> [round(v, 4) for v in (out[0, :, 0, 0] / out[0, 0, 0, 0]).tolist()]
    [1.0, 0.5, 0.25]
    """
    w = torch.as_tensor(weights, dtype=up.dtype, device=up.device).view(1, -1, 1, 1)
    positive = up.clamp(min=0)
    gain = (positive + softening) / ((w * positive).sum(1, keepdim=True)
                                     + softening * w.sum() + 1e-30)
    return up + (luma - (w * up).sum(1, keepdim=True)) * gain


def chroma_blur(fused, luma, weights, sigma, *, softening=1e-3):
    """Chroma noise reduction: the colour ratios smoothed, weighted by luminance.

    ``F' = L · blur(F) / blur(w · F)``: the ratios of the bands to their
    luminance are averaged over a Gaussian of ``sigma`` pixels, bright
    pixels weighing more, and put back under the full-resolution ``luma``.

    Parameters
    ----------
    fused : `torch.Tensor`
        ``(batch, bands, ny, nx)`` fused bands.
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the deep frame.
    weights : sequence of float
        The deep frame as a weighted sum of the bands.
    sigma : float
        Width of the blur in pixels; 0 returns ``fused``.
    softening : float or `torch.Tensor`
        As for `ratio_rule`.

    Returns
    -------
    `torch.Tensor`
    """
    if sigma <= 0:
        return fused
    smooth = gaussian_blur(fused.clamp(min=0), sigma)
    return ratio_rule(smooth, luma, weights, softening=softening)


def lstar_rule(up, luma):
    """L* replacement of a display-ready colour image (the LRGBCombination way).

    Parameters
    ----------
    up : `numpy.ndarray`
        ``(ny, nx, 3)`` display-ready R, G, B in [0, 1], upsampled onto the
        deep frame's grid.
    luma : `numpy.ndarray`
        ``(ny, nx)`` display-ready deep frame in [0, 1].

    Returns
    -------
    `numpy.ndarray`
        ``(ny, nx, 3)`` float32 in [0, 1].
    """
    from skimage.color import lab2rgb, rgb2lab

    lab = rgb2lab(np.clip(up, 0, 1))
    grey = np.repeat(np.clip(luma, 0, 1)[..., None], 3, -1)
    lab[..., 0] = rgb2lab(grey)[..., 0]
    return np.clip(lab2rgb(lab), 0, 1).astype(np.float32)
