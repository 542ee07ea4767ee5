"""Saturated star cores that keep their colour: the colour of the unsaturated ring around them."""

import numbers

import numpy as np

__all__ = ["SATURATION_KEYWORDS", "RING_WIDTH", "check_saturation", "header_saturation",
           "recolour_saturated", "saturation_masks"]

#: header keywords that give the saturation level, in the data's units, in order of preference
SATURATION_KEYWORDS = ("SATURATE", "SATLEVEL", "SATURLEV", "SATURATN", "MAXLIN")

#: the width in pixels of the ring around a saturated region whose colour it takes
RING_WIDTH = 3

# filters whose share of the ring's flux is below this fraction of the largest share do not
# bound the core's brightness (their noise divided by a tiny share would)
_SHARE_FLOOR = 0.1


def header_saturation(header):
    """The saturation level a header states, and the keyword; ``(None, None)`` without one.

    Examples
    --------
    >>> from astropy.io import fits
    >>> header_saturation(fits.Header({"SATURATE": 52000.0}))
    (52000.0, 'SATURATE')
    """
    for key in SATURATION_KEYWORDS:
        value = header.get(key)
        if isinstance(value, numbers.Real) and not isinstance(value, bool) \
                and np.isfinite(value) and value > 0:
            return float(value), key
    return None, None


def _per_filter(saturation, n):
    if saturation is None or saturation is True:
        return [None] * n
    if isinstance(saturation, np.ndarray) and saturation.dtype == bool:
        raise ValueError("give saturation masks one per filter, in a list")
    if isinstance(saturation, (list, tuple)):
        if len(saturation) != n:
            raise ValueError(f"{len(saturation)} saturation value(s) given for {n} filter(s)")
        return list(saturation)
    return [saturation] * n


def check_saturation(saturation, n):
    """Refuse a ``saturation=`` that `stack` cannot use, before any work is done."""
    if saturation is False:
        return
    for item in _per_filter(saturation, n):
        if item is None or item is False:
            continue
        if isinstance(item, np.ndarray) and item.dtype == bool and item.ndim == 2:
            continue
        if isinstance(item, numbers.Real) and not isinstance(item, bool) and np.isfinite(item):
            continue
        raise ValueError("saturation must be None (from SATURATE/SATLEVEL keywords), False, "
                         "a level or a boolean (ny, nx) mask, one for all filters or one per "
                         f"filter, not {item!r}")


def saturation_masks(images, saturation):
    """Each filter's saturated pixels, on its own grid, and where that was learned.

    Parameters
    ----------
    images : list of `~astro_colorgan.io.ImageData`
        The filters as read (before the sky is subtracted: levels are raw values).
    saturation : None, False, float, `~numpy.ndarray` or list
        `None`: each filter's level from its header (`SATURATION_KEYWORDS`);
        `False`: none; a level (one for all filters) or a list with, per filter,
        `None` (its header), `False`, a level, or a boolean mask of shape ``(ny, nx)``.

    Returns
    -------
    masks : list of `~numpy.ndarray` or None
        Boolean masks, `None` where a filter has no saturated pixel.
    sources : list of str
        How each filter's saturation was known: ``'SATURATE = 52000'``, ``'level 6e+04'``,
        ``'mask'``, ``'none known'`` or ``'off'``.
    """
    n = len(images)
    if saturation is False:
        return [None] * n, ["off"] * n
    masks, sources = [], []
    for image, item in zip(images, _per_filter(saturation, n)):
        mask, source = None, "none known"
        if item is False:
            source = "off"
        elif isinstance(item, np.ndarray) and item.dtype == bool:
            if item.shape != image.shape:
                raise ValueError(f"the saturation mask of {image.name} has shape {item.shape}, "
                                 f"not the image's {image.shape}")
            mask, source = item & ~image.mask, "mask"
        else:
            if item is None:
                level, key = header_saturation(image.header)
                source = f"{key} = {level:g}" if key else source
            else:
                level, source = float(item), f"level {float(item):g}"
            if level is not None:
                with np.errstate(invalid="ignore"):
                    mask = image.data >= level
        if mask is not None and not mask.any():
            mask = None
        masks.append(mask)
        sources.append(source)
    return masks, sources


def recolour_saturated(data, saturated, *, ring=RING_WIDTH):
    """Give saturated regions the colour of the unsaturated ring around them, in place.

    Each connected region of ``saturated`` takes the flux ratios of the filters
    summed over the ring of pixels up to ``ring`` pixels outside it (where no
    filter is saturated). Its brightness is kept: each pixel's filters are set
    to those ratios times the largest total that any of its filters allows
    (a saturated filter's value is a lower bound of its true one), so that no
    filter gets fainter than it was and the core stays as bright as it is.

    Parameters
    ----------
    data : `~numpy.ndarray`
        The aligned linear filters, shape ``(n, ny, nx)``, sky subtracted; NaN
        where a filter has no data. Changed in place.
    saturated : `~numpy.ndarray`
        Boolean, shape ``(ny, nx)``: where any filter is saturated.
    ring : int, optional
        The ring's width in pixels.

    Returns
    -------
    regions : int
        The number of saturated regions recoloured.
    pixels : int
        Their number of pixels.
    skipped : int
        Regions left as they were: no unsaturated ring with positive flux around them.
    """
    from scipy import ndimage

    labels, count = ndimage.label(saturated)
    regions = pixels = skipped = 0
    ny, nx = saturated.shape
    structure = ndimage.generate_binary_structure(2, 2)
    for number, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        rows = slice(max(box[0].start - ring, 0), min(box[0].stop + ring, ny))
        cols = slice(max(box[1].start - ring, 0), min(box[1].stop + ring, nx))
        core = labels[rows, cols] == number
        around = ndimage.binary_dilation(core, structure=structure, iterations=ring)
        block = data[:, rows, cols]
        around &= ~saturated[rows, cols] & np.isfinite(block).all(axis=0)
        flux = np.clip(block[:, around].sum(axis=1, dtype=np.float64), 0, None)
        if not around.any() or flux.sum() <= 0:
            skipped += 1
            continue
        share = flux / flux.sum()
        values = block[:, core].astype(np.float64)
        bounding = share >= _SHARE_FLOOR * share.max()
        with np.errstate(invalid="ignore", divide="ignore"):
            totals = np.fmax.reduce(values[bounding] / share[bounding, None], axis=0)
        totals = np.fmax(totals, np.nansum(values, axis=0))
        new = share[:, None] * totals[None, :]
        block[:, core] = np.where(np.isnan(values), np.nan, new).astype(block.dtype)
        regions += 1
        pixels += int(core.sum())
    return regions, pixels, skipped
