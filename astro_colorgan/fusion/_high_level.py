"""Fusing images: a deep frame and colour frames, each on its own grid, into linear bands.

The algorithm on tensors is `~astro_colorgan.fusion.fuse`; this module parses
images with their WCS, subtracts their sky, brings the colour frames onto a
grid ``f`` times coarser than the deep frame's and aligned with it
(`~astro_colorgan.io.block_wcs`), finds how the deep frame is made of the
bands, and runs the fusion tile by tile.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..colorspace import LUMA_WEIGHTS
from ._fuse import FluxScaling, complete_middle, fuse, pad_for
from ._operators import consistency_chi2

__all__ = ["FusedBands", "fuse_images", "fit_weights", "frame_noise", "TILE", "TILE_MARGIN"]

#: Tiles of the network's residual (deep pixels) and the margin each one also sees.
TILE = 512
TILE_MARGIN = 48
#: 8-bit rounding, the noise of display-ready frames.
ROUNDING_NOISE = 1.0 / (255 * 12 ** 0.5)


@dataclass(eq=False)
class FusedBands:
    """Linear bands fused on the deep frame's grid.

    Attributes
    ----------
    bands : `numpy.ndarray`
        ``(3, ny, nx)`` float32 R, G, B (the colour frames red to blue), in
        the deep frame's units per deep pixel; NaN where the deep frame has no data.
    measured : `numpy.ndarray`
        ``(ny, nx)`` float32, 1 where the colour frames cover.
    weights : tuple of float
        The deep frame as ``w · (R, G, B)`` (fitted, or Rec. 709 for display-ready data).
    factor : int
        How many deep pixels one colour-frame pixel spans.
    noise : tuple of float
        The colour frames' noise per frame pixel.
    chi2 : float
        The frames' misfit, χ² per frame pixel (about 1 or less: consistent).
    names : list of str
        The colour frames, blue to red.
    display_ready : bool
        The inputs were display-scaled, not linear flux.
    """

    bands: np.ndarray
    measured: np.ndarray
    weights: tuple
    factor: int
    noise: tuple
    chi2: float
    names: list = field(default_factory=list)
    display_ready: bool = False


def _pixel_scale(wcs):
    from astropy.wcs.utils import proj_plane_pixel_scales

    return float(np.sqrt(np.prod(proj_plane_pixel_scales(wcs))))


def fit_weights(luma_coarse, frames, *, noise=None):
    """How the deep frame is made of the bands: ``D(L) ≈ Σ w_b C_b``, least squares, w ≥ 0.

    Parameters
    ----------
    luma_coarse : `numpy.ndarray`
        ``(my, mx)`` the deep frame binned onto the frames' grid.
    frames : `numpy.ndarray`
        ``(3, my, mx)`` the colour frames.
    noise : sequence of float, optional
        The frames' noise: only pixels where every band is above 3 times it count.

    Returns
    -------
    tuple of float

    Raises
    ------
    ValueError
        Where no weights can be fitted (too few finite pixels, or none positive).
    """
    good = np.isfinite(luma_coarse) & np.isfinite(frames).all(0)
    if noise is not None:
        bright = (frames > 3 * np.asarray(noise, float)[:, None, None]).any(0)
        if np.count_nonzero(good & bright) >= 16:
            good &= bright
    if np.count_nonzero(good) < 4:
        raise ValueError("the colour frames and the deep frame share too few pixels to "
                         "tell how the deep frame is made of the bands")
    a = frames[:, good].T.astype(np.float64)
    b = luma_coarse[good].astype(np.float64)
    active = np.ones(3, bool)
    for _ in range(3):  # non-negative least squares on three unknowns
        w = np.zeros(3)
        w[active] = np.linalg.lstsq(a[:, active], b, rcond=None)[0]
        if (w >= 0).all():
            break
        active &= w > 0
        if not active.any():
            break
    w = np.clip(w, 0, None)
    if not w.sum() > 0:
        raise ValueError("the deep frame is not a positive combination of the colour frames")
    return tuple(float(v) for v in w)


def frame_noise(frame):
    """The noise of a sky-subtracted frame: the sigma-clipped standard deviation."""
    from astropy.stats import sigma_clipped_stats

    values = frame[np.isfinite(frame)]
    if values.size < 4:
        return 0.0
    return float(sigma_clipped_stats(values, sigma=3.0, maxiters=10)[2])


def _residual_tiles(net, planes, *, tile=TILE, margin=TILE_MARGIN):
    """The network's residual of ``(1, C, ny, nx)`` planes, tile by tile."""
    ny, nx = planes.shape[-2:]
    if max(ny, nx) <= tile + 2 * margin:
        padded, _ = pad_for(planes, net.SIZE_MULTIPLE)
        return net(padded)[..., :ny, :nx]
    out = planes.new_empty((1, net.bands, ny, nx))
    for y0 in range(0, ny, tile):
        for x0 in range(0, nx, tile):
            y1, x1 = min(ny, y0 + tile), min(nx, x0 + tile)
            a, b = max(0, y0 - margin), max(0, x0 - margin)
            part, _ = pad_for(planes[..., a:min(ny, y1 + margin), b:min(nx, x1 + margin)],
                              net.SIZE_MULTIPLE)
            out[..., y0:y1, x0:x1] = net(part)[..., y0 - a:y1 - a, x0 - b:x1 - b]
    return out


class _TiledNet:
    """A `DetailNet` seen through `_residual_tiles` (what `fuse` calls as ``net``)."""

    SIZE_MULTIPLE = 1

    def __init__(self, net):
        self.net = net

    def __call__(self, planes):
        return _residual_tiles(self.net, planes)


def _check_rescaled(frame, deep):
    """Refuse a frame whose data look block-averaged under the deep frame's own WCS."""
    ratio = np.asarray(deep.shape, float) / np.asarray(frame.shape, float)
    same_scale = np.isclose(_pixel_scale(frame.wcs), _pixel_scale(deep.wcs), rtol=0.02)
    if same_scale and ratio[0] == ratio[1] and ratio[0] >= 2 and ratio[0] == round(ratio[0]) \
            and np.allclose(frame.wcs.wcs.crpix, deep.wcs.wcs.crpix):
        raise ValueError(f"{frame.name}: its data are {int(ratio[0])} times smaller than the "
                         "deep frame's but its WCS has the deep frame's pixel scale and "
                         "reference pixel; if it was block-averaged, give it the WCS of its "
                         "blocks (astro_colorgan.io.block_wcs)")


def _on_coarse_grid(frames, deep, factor, shape):
    """The frames (blue to red) on the grid ``factor`` times coarser than ``deep``'s."""
    from ..align import reproject_image
    from ..io._blocks import block_wcs

    if deep.wcs is None or any(f.wcs is None for f in frames):
        if any(f.shape != shape for f in frames):
            raise ValueError("colour frames without a WCS must all have one shape, "
                             f"{shape}, a coarser grid spanning the deep frame")
        return np.stack([f.data for f in frames]).astype(np.float32)
    coarse = block_wcs(deep.wcs, factor)
    for frame in frames:
        _check_rescaled(frame, deep)
    # each frame keeps its own units: the weights fitted after relate them to the deep frame
    return np.stack([reproject_image(frame.data, frame.wcs, coarse, shape) for frame in frames])


def _frame_scaling(planes, display_ready):
    if display_ready:
        return FluxScaling()
    values = planes[np.isfinite(planes)]
    scale = float(np.percentile(values, 99.5)) if values.size else 1.0
    return FluxScaling(scale=scale if scale > 0 else 1.0)


def _factor(deep, frames):
    if deep.wcs is not None and all(f.wcs is not None for f in frames):
        ratio = np.mean([_pixel_scale(f.wcs) for f in frames]) / _pixel_scale(deep.wcs)
        return max(1, int(round(ratio)))
    ratio = deep.shape[1] / frames[0].shape[1]
    return max(1, int(round(ratio)))


def fuse_images(deep, frames, *, net=None, display_ready=False, background=True, sigma=0.0,
                iterations=6, device="cpu"):
    """Fuse a deep frame and colour frames into linear bands on the deep frame's grid.

    Parameters
    ----------
    deep : `~astro_colorgan.io.ImageData`
        The deep frame.
    frames : list of `~astro_colorgan.io.ImageData`
        The colour frames, blue to red (three; two for two filters of three,
        whose middle band is then predicted), each with a celestial WCS
        (reprojected onto a grid ``f`` times coarser than the deep frame's,
        ``f`` their pixel-scale ratio rounded) or, without one, already on
        that grid.
    net : `~astro_colorgan.fusion.DetailNet`, optional
        The residual network (None: the classical fusion).
    display_ready : bool
        The inputs are display-scaled values in [0, 1] (fused as given, with
        Rec. 709 weights); otherwise linear flux (weights fitted, the network
        seeing it through a `FluxScaling`).
    background : bool
        Subtract each image's sky (photutils) first (linear data only).
    sigma : float
        The frames' PSF blur beyond the deep frame's, in deep pixels.
    iterations : int
        Consistency iterations.
    device : str or `torch.device`
        Where the fusion runs.

    Returns
    -------
    `FusedBands`

    Raises
    ------
    ValueError
        If the frames do not overlap the deep frame, or the deep frame is not
        a positive combination of them.
    """
    from ..background import subtract_background

    if len(frames) not in (2, 3):
        raise ValueError(f"fusion takes two or three colour frames, not {len(frames)}")
    if background and not display_ready:
        deep = subtract_background(deep)
        frames = [subtract_background(f) for f in frames]
    ny, nx = deep.shape
    factor = _factor(deep, frames)
    on_wcs = deep.wcs is not None and all(f.wcs is not None for f in frames)
    # frames without a WCS span the deep frame whatever its size (PIL's box geometry);
    # frames with one are reprojected onto whole blocks of the deep frame's pixels
    shape = (math.ceil(ny / factor), math.ceil(nx / factor)) if on_wcs else frames[0].shape
    blue_to_red = _on_coarse_grid(frames, deep, factor, shape)
    covered = np.isfinite(blue_to_red).all(0)
    if not covered.any():
        raise ValueError("the colour frames do not overlap the deep frame")
    if len(frames) == 2:  # the middle band of the two, predicted over their mean
        blue, red = (torch.from_numpy(np.nan_to_num(p))[None, None] for p in blue_to_red)
        middle = complete_middle(blue, red, net=net, scaling=_frame_scaling(blue_to_red,
                                                                            display_ready))
        blue_to_red = np.where(covered, middle[0].numpy()[::-1], np.nan)
    rgb = blue_to_red[::-1].copy()
    luma = np.nan_to_num(deep.data.astype(np.float32))
    padded = torch.from_numpy(luma)[None, None].to(device)
    if on_wcs:
        padded = torch.nn.functional.pad(
            padded, (0, shape[1] * factor - nx, 0, shape[0] * factor - ny), mode="replicate")
    small = torch.nn.functional.adaptive_avg_pool2d(padded, shape)[0, 0].cpu().numpy()
    if display_ready:
        weights, noise = LUMA_WEIGHTS, (ROUNDING_NOISE,) * 3
        scaling, softening = FluxScaling(), 1e-3
    else:
        noise = tuple(frame_noise(p) for p in rgb)
        weights = fit_weights(np.where(covered, small, np.nan), np.where(covered, rgb, np.nan),
                              noise=noise)
        positive = luma[np.isfinite(deep.data)]
        scale = float(np.percentile(positive, 99.5)) if positive.size else 1.0
        scaling = FluxScaling(scale=scale if scale > 0 else 1.0)
        softening = 2.0 * float(np.mean(noise))
    # outside the frames, neutral colour: the deep frame's own binned light in every band
    grey = small / max(sum(weights), 1e-30)
    rgb = np.where(covered, rgb, grey[None]).astype(np.float32)
    frames_t = torch.from_numpy(rgb)[None].to(device)
    noise_t = torch.tensor(noise, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    with torch.no_grad():
        fused = fuse(padded, frames_t, weights, net=None if net is None else _TiledNet(net),
                     sigma=sigma, scaling=scaling, softening=softening,
                     noise=noise_t.clamp(min=1e-30), iterations=iterations)
        measured = slice(None) if len(frames) == 3 else slice(0, 3, 2)
        chi2 = consistency_chi2(fused[:, measured], frames_t[:, measured],
                                noise_t[:, measured].clamp(min=1e-30), sigma=sigma)
    bands = fused[0, :, :ny, :nx].cpu().numpy()
    bands[:, ~np.isfinite(deep.data)] = np.nan
    measured = torch.nn.functional.interpolate(
        torch.from_numpy(covered.astype(np.float32))[None, None], size=(padded.shape[-2:]),
        mode="nearest")[0, 0, :ny, :nx].numpy()
    return FusedBands(bands, measured, tuple(weights), factor, noise, chi2,
                      names=[f.name for f in frames], display_ready=display_ready)
