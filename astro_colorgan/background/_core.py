"""Sky background estimation and subtraction with photutils' `Background2D`."""

import warnings

import numpy as np
from astropy import log
from astropy.stats import SigmaClip, sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning

from .._scale import power_of_two_scale
from ..io import ImageData, read_image

__all__ = ["default_box_size", "estimate_background", "subtract_background"]

# images smaller than this (in pixels along their shorter side) get a constant background
_MIN_MESH_SIZE = 24


def default_box_size(shape):
    """Return the background box size for an image of the given shape.

    An eighth of the shorter side, between 8 and 128 pixels: a few times the
    size of typical stars and small galaxies, with enough boxes to follow
    gradients.

    Parameters
    ----------
    shape : tuple of int
        The image shape ``(ny, nx)``.

    Returns
    -------
    box_size : int

    Examples
    --------
    >>> default_box_size((256, 256)), default_box_size((4096, 4096))
    (32, 128)
    """
    return int(np.clip(min(shape) // 8, 8, 128))


def _source_mask(residual, rms, valid, *, nsigma, npixels, dilate):
    """Flag sources: groups of ``npixels`` pixels whose 3x3 mean lies ``nsigma`` above the sky."""
    from scipy import ndimage

    filled = np.where(valid, residual, np.float32(0)).astype(np.float32, copy=False)
    smoothed = ndimage.uniform_filter(filled, size=3)
    # the mean of 3 x 3 pixels has a third of the noise of one pixel
    above = smoothed > nsigma * np.asarray(rms, dtype=np.float32) / 3.0
    above &= valid
    labels, count = ndimage.label(above)
    if count == 0:
        return above
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    keep = sizes >= npixels
    keep[0] = False
    sources = keep[labels]
    if dilate > 0 and sources.any():
        sources = ndimage.binary_dilation(sources, iterations=dilate)
    return sources


def _mesh_weights(size, box):
    """``(size, n_boxes)`` linear interpolation weights from box centres to pixels."""
    starts = np.arange(0, size, box)
    centres = (starts + np.minimum(starts + box, size)) / 2.0 - 0.5
    weights = np.zeros((size, len(centres)), dtype=np.float32)
    pixels = np.arange(size)
    if len(centres) == 1:
        weights[:, 0] = 1
        return weights
    left = np.clip(np.searchsorted(centres, pixels) - 1, 0, len(centres) - 2)
    t = np.clip((pixels - centres[left]) / (centres[left + 1] - centres[left]), 0, 1)
    weights[pixels, left] = 1 - t
    weights[pixels, left + 1] += t
    return weights


def _find_sources(data, mask, box_size, *, sigma_clip, filter_size, nsigma, npixels, dilate):
    """Source mask from a first, quick background: on every other pixel, linearly interpolated."""
    step = 2 if min(data.shape) >= 512 else 1
    box = np.atleast_1d(box_size) // step
    sub_mask = mask[::step, ::step]
    first = _background2d(data[::step, ::step], tuple(np.broadcast_to(box, 2)),
                          mask=None, coverage_mask=sub_mask if sub_mask.any() else None,
                          sigma_clip=sigma_clip, filter_size=filter_size)
    if first is None:
        return None
    mesh = np.asarray(first.background_mesh, dtype=np.float32)
    mesh = np.where(np.isfinite(mesh), mesh, np.nanmedian(mesh))
    full_box = np.broadcast_to(box * step, 2)
    background = (_mesh_weights(data.shape[0], full_box[0]) @ mesh
                  @ _mesh_weights(data.shape[1], full_box[1]).T)
    residual = np.subtract(data, background, dtype=np.float32)
    del background
    return _source_mask(residual, first.background_rms_median, ~mask, nsigma=nsigma,
                        npixels=npixels, dilate=dilate)


def _background2d(data, box_size, *, mask, coverage_mask, sigma_clip, filter_size):
    from photutils.background import Background2D

    for exclude in (10.0, 50.0, 90.0):
        try:
            return Background2D(
                data,
                box_size,
                mask=mask,
                coverage_mask=coverage_mask,
                fill_value=np.nan,
                exclude_percentile=exclude,
                filter_size=filter_size,
                sigma_clip=sigma_clip,
            )
        except ValueError as exc:
            if "exclude_percentile" not in str(exc) and "All boxes" not in str(exc):
                raise
    return None


def estimate_background(data, *, mask=None, box_size=None, filter_size=3, sigma=3.0,
                        mask_sources=True, nsigma=3.0, npixels=10, dilate=3):
    """Estimate the sky background of an image with photutils' `Background2D`.

    The background is the sigma-clipped median in boxes of ``box_size``
    pixels, median-filtered over ``filter_size`` boxes and interpolated. With
    ``mask_sources``, a first, quick estimate (on every other pixel of large
    images, interpolated linearly) finds the sources (groups of at least
    ``npixels`` pixels whose 3x3 mean lies ``nsigma`` standard deviations of
    that mean above the sky, grown by ``dilate`` pixels), which are masked
    for the final estimate.

    Parameters
    ----------
    data : `~numpy.ndarray` or any input of `~astro_colorgan.io.read_image`
        The image, shape ``(ny, nx)``.
    mask : `~numpy.ndarray` of bool, optional
        `True` at pixels without data, shape ``(ny, nx)``; non-finite pixels
        are always excluded.
    box_size : int or tuple of int, optional
        The box size ``(ny, nx)``; by default ``default_box_size``.
    filter_size : int, optional
        The size of the median filter over boxes.
    sigma : float, optional
        The clipping threshold, in standard deviations.
    mask_sources : bool, optional
        Whether to mask sources found in a first estimate.
    nsigma : float, optional
        The detection threshold for ``mask_sources``.
    npixels : int, optional
        The smallest number of connected pixels above the threshold that
        makes a source.
    dilate : int, optional
        How many pixels the source mask is grown by.

    Returns
    -------
    background, rms : `~numpy.ndarray`
        The background and its noise (standard deviation per pixel), shape
        ``(ny, nx)``, NaN where there is no data.

    Examples
    --------
    >>> import numpy as np
    >>> sky = 10 + np.random.default_rng(1).normal(0, 1, (64, 64))
    >>> background, rms = estimate_background(sky)
    >>> bool(abs(np.nanmedian(background) - 10) < 0.2), bool(abs(np.nanmedian(rms) - 1) < 0.2)
    (True, True)
    """
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind == "f":
        invalid = ~np.isfinite(data)
        mask = invalid if mask is None else (np.asarray(mask, dtype=bool) | invalid)
    else:
        image = read_image(data)
        data = image.data
        mask = image.mask if mask is None else (image.mask | np.asarray(mask, dtype=bool))
    return _estimate(data, mask, box_size=box_size, filter_size=filter_size, sigma=sigma,
                     mask_sources=mask_sources, nsigma=nsigma, npixels=npixels, dilate=dilate,
                     want_rms=True)


def _estimate(data, mask, *, box_size, filter_size, sigma, mask_sources, nsigma, npixels,
              dilate, want_rms):
    """`estimate_background` on a float array and its full mask; rms only if ``want_rms``."""
    # in units of a power of two near the data (an exact scaling): the statistics neither
    # underflow nor overflow in float32, and the result scales with the data
    scale = power_of_two_scale(data[::7, ::7])
    if scale != 1.0:
        data = data * data.dtype.type(1.0 / scale)
    background, rms = _estimate_unit(data, mask, box_size=box_size, filter_size=filter_size,
                                     sigma=sigma, mask_sources=mask_sources, nsigma=nsigma,
                                     npixels=npixels, dilate=dilate, want_rms=want_rms)
    if scale != 1.0:
        background *= background.dtype.type(scale)
        if rms is not None:
            rms *= rms.dtype.type(scale)
    return background, rms


def _estimate_unit(data, mask, *, box_size, filter_size, sigma, mask_sources, nsigma, npixels,
                   dilate, want_rms):
    """`_estimate` on data of magnitude about 1."""
    valid = ~mask
    if box_size is None:
        box_size = default_box_size(data.shape)
    sigma_clip = SigmaClip(sigma=sigma, maxiters=10)
    if min(data.shape) < _MIN_MESH_SIZE:
        return _constant_background(data, valid, sigma)
    coverage = mask if mask.any() else None
    if mask_sources:
        sources = _find_sources(data, mask, box_size, sigma_clip=sigma_clip,
                                filter_size=filter_size, nsigma=nsigma, npixels=npixels,
                                dilate=dilate)
        if sources is not None:
            log.debug(f"background: {sources.mean():.1%} of the pixels masked as sources")
        bkg = _background2d(data, box_size, mask=sources, coverage_mask=coverage,
                            sigma_clip=sigma_clip, filter_size=filter_size)
    else:
        bkg = _background2d(data, box_size, mask=None, coverage_mask=coverage,
                            sigma_clip=sigma_clip, filter_size=filter_size)
    if bkg is None:
        return _constant_background(data, valid, sigma)
    background = np.asarray(bkg.background, dtype=data.dtype)
    rms = np.asarray(bkg.background_rms, dtype=data.dtype) if want_rms else None
    return background, rms


def _constant_background(data, valid, sigma):
    """A flat sigma-clipped background, for images too small or crowded for boxes."""
    warnings.warn(
        f"image too small or crowded for a background mesh (shape {data.shape}); "
        "subtracting a constant sky level",
        AstropyUserWarning,
    )
    _, median, std = sigma_clipped_stats(data[valid], sigma=sigma, maxiters=10)
    background = np.full(data.shape, median, dtype=data.dtype)
    rms = np.full(data.shape, std, dtype=data.dtype)
    background[~valid] = np.nan
    rms[~valid] = np.nan
    return background, rms


def subtract_background(image, **kwargs):
    """Return a copy of an image with its sky background subtracted.

    Parameters
    ----------
    image : `~astro_colorgan.io.ImageData` or any input of `~astro_colorgan.io.read_image`
        The image, shape ``(ny, nx)``.
    **kwargs
        Options of `estimate_background` (``box_size``, ``filter_size``,
        ``sigma``, ``mask_sources``, ``nsigma``, ``npixels``, ``dilate``).

    Returns
    -------
    image : `~astro_colorgan.io.ImageData`
        A new image holding ``data - background``, with the same mask, WCS,
        header and name.

    Examples
    --------
    >>> import numpy as np
    >>> sky = 10 + np.random.default_rng(1).normal(0, 1, (64, 64))
    >>> result = subtract_background(sky)
    >>> bool(abs(np.nanmedian(result.data)) < 0.2)
    True
    """
    image = read_image(image)
    options = dict(box_size=None, filter_size=3, sigma=3.0, mask_sources=True, nsigma=3.0,
                   npixels=10, dilate=3)
    unknown = set(kwargs) - set(options)
    if unknown:
        raise TypeError(f"unknown background option(s): {', '.join(sorted(unknown))}")
    options.update(kwargs)
    background, _ = _estimate(image.data, image.mask, want_rms=False, **options)
    data = np.subtract(image.data, background, out=background)
    data[image.mask] = np.nan
    return ImageData(data=data, mask=image.mask.copy(), wcs=image.wcs,
                     header=image.header.copy(), name=image.name)
