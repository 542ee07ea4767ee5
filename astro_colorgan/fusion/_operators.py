"""The measurement operators of colour frames: blur, binning, upsampling, consistency.

A colour frame is the true bands seen through a broader PSF and coarser
pixels (Wald's protocol): ``C = D(F) + noise`` with ``D = bin ∘ blur``. The
fused bands ``F`` on the deep frame's grid must reproduce the frames,
``D(F) ≈ C`` to within their noise; `project_consistent` enforces it by
iterative back-projection (Irani & Peleg 1991), alternated with the deep
frame's own constraint, ``w · F = L`` (its band weights ``w``).

All functions take and return `torch.Tensor` of shape ``(batch, bands, ny, nx)``.
"""

import math

import torch
import torch.nn.functional as F

__all__ = ["gaussian_blur", "bin_to", "upsample_to", "degrade", "project_consistent",
           "consistency_chi2"]


def gaussian_blur(x, sigma):
    """Blur each plane with a normalised Gaussian of standard deviation ``sigma`` pixels.

    Parameters
    ----------
    x : `torch.Tensor`
        ``(batch, bands, ny, nx)``.
    sigma : float
        In pixels of ``x``; 0 returns ``x`` itself.

    Returns
    -------
    `torch.Tensor`
        The same shape; borders reflected.
    """
    sigma = float(sigma)
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3.0 * sigma)))
    radius = min(radius, max(1, min(x.shape[-2:]) - 1))
    grid = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (grid / sigma) ** 2)
    kernel = kernel / kernel.sum()
    n = x.shape[1]
    out = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).expand(n, 1, 1, -1), groups=n)
    out = F.pad(out, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(out, kernel.view(1, 1, -1, 1).expand(n, 1, -1, 1), groups=n)


def bin_to(x, shape):
    """Mean of ``x`` over the pixels of a coarser grid of ``shape`` ``(my, mx)``.

    For sizes that are multiples of ``shape`` these are exact block means;
    otherwise the blocks are `torch.nn.functional.adaptive_avg_pool2d`'s.
    """
    return F.adaptive_avg_pool2d(x, tuple(int(s) for s in shape))


def upsample_to(x, shape):
    """Bilinear resampling of coarse pixels onto a finer grid of ``shape`` ``(ny, nx)``
    (pixel centres aligned as for block binning)."""
    return F.interpolate(x, size=tuple(int(s) for s in shape), mode="bilinear",
                         align_corners=False)


def degrade(x, shape, sigma=0.0):
    """A colour frame as an instrument would take it: blurred by ``sigma`` (fine pixels),
    then binned to ``shape``."""
    return bin_to(gaussian_blur(x, sigma), shape)


def project_consistent(fused, frames, *, sigma=0.0, luma=None, weights=None, iterations=6,
                       noise=None):
    """Make fused bands reproduce the measured colour frames (and the deep frame).

    Each iteration first puts the deep frame's luminance back,
    ``F += w (L - w · F) / (w · w)`` (when ``luma`` is given), then adds the
    upsampled misfit of the frames, ``F += U(C - D(F))``. With ``noise`` the
    misfit is only brought down to the frames' noise (χ² per pixel of 1 for
    each image and band), not fitted into it. The last step is always the
    frames' one, so that what was measured at the frames' resolution is kept;
    for pure binning (``sigma=0``) on sizes that are multiples, a few
    iterations reproduce the frames to float precision.

    Parameters
    ----------
    fused : `torch.Tensor`
        ``(batch, bands, ny, nx)`` fused bands on the deep frame's grid.
    frames : `torch.Tensor`
        ``(batch, bands, my, mx)`` the measured colour frames.
    sigma : float
        Blur of the frames' PSF beyond the deep frame's, in fine pixels.
    luma : `torch.Tensor`, optional
        ``(batch, 1, ny, nx)`` the deep frame.
    weights : sequence of float, optional
        The deep frame as a weighted sum of the bands (needed with ``luma``).
    iterations : int
        Back-projection iterations.
    noise : float or `torch.Tensor`, optional
        The frames' noise per frame pixel (broadcast to ``(batch, bands, 1,
        1)``); None fits the frames exactly.

    Returns
    -------
    `torch.Tensor`
        The projected bands.
    """
    shape = fused.shape[-2:]
    small = frames.shape[-2:]
    out = fused
    w = None
    if luma is not None:
        w = torch.as_tensor(weights, dtype=fused.dtype, device=fused.device).view(1, -1, 1, 1)
    for _ in range(int(iterations)):
        if w is not None:
            out = out + w * (luma - (w * out).sum(1, keepdim=True)) / (w * w).sum()
        misfit = frames - degrade(out, small, sigma)
        if noise is not None:
            chi = misfit.pow(2).mean((-2, -1), keepdim=True).sqrt() / noise
            misfit = misfit * (1 - 1 / chi.clamp(min=1))
        out = out + upsample_to(misfit, shape)
    return out


def consistency_chi2(fused, frames, noise, *, sigma=0.0):
    """Mean χ² per pixel of the frames' misfit, ``mean((D(F) - C)² / noise²)``.

    Parameters
    ----------
    fused, frames : `torch.Tensor`
        As for `project_consistent`.
    noise : float or `torch.Tensor`
        The frames' noise (standard deviation per frame pixel), a scalar or
        ``(bands,)``.
    sigma : float
        The frames' extra blur.

    Returns
    -------
    float
        About 1 or less for bands consistent with the frames; much more
        where the fused colour departs from what was measured.
    """
    noise = torch.as_tensor(noise, dtype=fused.dtype, device=fused.device)
    if noise.ndim == 1:
        noise = noise.view(1, -1, 1, 1)
    misfit = degrade(fused, frames.shape[-2:], sigma) - frames
    return float(((misfit / noise) ** 2).mean())
