"""The multi-filter colour composite: `stack` and its result, `CompositeImage`."""

import os
import warnings
from dataclasses import dataclass

import numpy as np
from astropy import log
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import BaseInterval, BaseStretch

from ..align import align_images, interpolation_order
from ..background import subtract_background
from ..io import ImageData, provenance_history, read_image
from ..io._fits import split_path
from ._channels import channel_matrix, weighted_matrix
from ._compose import compose
from ._result import RGBImage
from ._stretch import SkyPercentileInterval, resolve_stretch

__all__ = ["CompositeImage", "stack"]


@dataclass(eq=False, repr=False, kw_only=True)
class CompositeImage(RGBImage):
    """A colour composite on a celestial pixel grid, as `stack` returns it.

    An `~astro_colorgan.composite.RGBImage` (``rgb``, ``wcs``, ``names``,
    ``history``, ``to_hdulist``, ``write_fits``, ``write_image``, ``plot``)
    with the filters' coverage.

    Attributes
    ----------
    rgb : `~numpy.ndarray`
        Float32, shape ``(ny, nx, 3)``, channels R, G, B in [0, 1], row 0 at
        the bottom (FITS order); NaN where no filter has data. It is a view of
        a ``(3, ny, nx)`` cube (``np.moveaxis(rgb, -1, 0)`` gives it back
        without a copy).
    wcs : `~astropy.wcs.WCS` or `None`
        The 2-D celestial WCS of the grid.
    footprint : `~numpy.ndarray`
        Boolean, shape ``(ny, nx)``: `True` where at least one filter has data.
    coverage : `~numpy.ndarray`
        Boolean, shape ``(n, ny, nx)``: `True` where filter ``i`` has data.
    names : list of str
        The inputs, blue to red.
    history : list of str
        Provenance: package version, inputs and every option (HISTORY cards).
    """

    footprint: np.ndarray
    coverage: np.ndarray


def _per_filter(value, n, what):
    """Expand a value given once or per filter into a list of ``n`` values."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{len(value)} {what} given for {n} filter(s)")
        return list(value)
    return [value] * n


def _warn_mixed_units(images):
    """Warn when the filters' ``BUNIT`` differ: their relative weights then mean little."""
    from astropy import units as u

    units = {}
    for image in images:
        text = str(image.header.get("BUNIT", "")).strip()
        if not text:
            continue
        try:
            unit = u.Unit(text, format="fits", parse_strict="raise")
        except ValueError:
            try:
                unit = u.Unit(text, parse_strict="raise")
            except ValueError:
                unit = text.lower()
        units.setdefault(unit, []).append(image.name)
    if len(units) > 1:
        listed = "; ".join(f"{unit} ({', '.join(names)})" for unit, names in units.items())
        warnings.warn(f"the filters are in different units (BUNIT): {listed}; they are "
                      "combined as they are, so convert them to one unit or set --weights",
                      AstropyUserWarning)


def _describe_option(value):
    if isinstance(value, (BaseStretch, BaseInterval)):
        attributes = {key: val for key, val in vars(value).items() if not key.startswith("_")}
        return f"{type(value).__name__}({', '.join(f'{k}={v}' for k, v in attributes.items())})"
    if isinstance(value, (list, tuple)):
        return [_describe_option(item) for item in value]
    return value


def stack(filters, *, reference=None, background=True, stretch="asinh", Q=8.0,
          interval=None, linked=True, weights=None, hdu=None, plane=None, order="bilinear",
          exact=False, allow_no_wcs=False, box_size=None):
    """Make a colour composite from images in several filters.

    The images are read (`~astro_colorgan.io.read_image`), cleared of their sky
    background (`~astro_colorgan.background.subtract_background`), put on one
    grid (`~astro_colorgan.align.align_images`), combined into R, G, B
    channels (3 filters map to B, G, R; 2 get a synthesised green, their mean,
    which `~astro_colorgan.Colorizer.complete` can predict instead; more are
    tinted along the spectrum and summed) and stretched.

    Parameters
    ----------
    filters : list
        The images, in order of increasing wavelength (blue to red); each a FITS
        path (``'file.fits[1]'`` selects an HDU), `~astropy.io.fits.HDUList`,
        image HDU, ``(array, WCS or Header)`` tuple, `~astropy.nddata.NDData`,
        array of shape ``(ny, nx)`` or `~astro_colorgan.io.ImageData`.
    reference : optional
        The output grid: an image (path, HDU, ...) whose grid is used, a
        celestial `~astropy.wcs.WCS` with ``pixel_shape``, or ``(WCS, (ny, nx))``.
        By default, the north-up grid covering all filters at the finest pixel scale.
    background : bool, optional
        Subtract each filter's sky background first.
    stretch : str, `~astropy.visualization.BaseStretch` or list, optional
        ``'asinh'`` (default), ``'linear'``, ``'sqrt'``, ``'log'``, ``'sinh'`` or a
        stretch object; with ``linked=False``, also one per filter.
    Q : float, optional
        The softening of the ``'asinh'`` stretch, ``asinh(Q x) / asinh(Q)``.
    interval : `~astropy.visualization.BaseInterval`, optional
        The limits mapped to 0 and 1 (default: sky level to the 99.5th
        percentile, `SkyPercentileInterval`).
    linked : bool, optional
        `True` (default): stretch the intensity and scale R, G, B alike, which
        keeps colours (Lupton et al. 2004). `False`: normalise and stretch each
        filter on its own before combining.
    weights : sequence of float, optional
        A factor for each filter (default 1).
    hdu : int, str or list, optional
        The HDU to read from files with several image HDUs (one for all, or one per filter).
    plane : int or list, optional
        The plane to read from 3-D images ``(nz, ny, nx)`` (one for all, or one per filter).
    order : int or str, optional
        The interpolation of the reprojection (default ``'bilinear'``).
    exact : bool, optional
        Reproject with flux-conserving `reproject.reproject_exact` (slow).
    allow_no_wcs : bool, optional
        Accept filters without celestial WCS that share one pixel grid.
    box_size : int, optional
        The box size of the background estimate (default from the image size).

    Returns
    -------
    composite : `CompositeImage`
        ``rgb`` of shape ``(ny, nx, 3)``, the grid's ``wcs``, ``footprint``,
        ``coverage`` and ``history``; ``write_fits`` and ``write_image`` save it.

    Raises
    ------
    ValueError, TypeError, OSError
        For unreadable or unsuitable inputs and bad options (see `~astro_colorgan.io.read_image`
        and `~astro_colorgan.align.align_images`).

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan import stack
    >>> from astro_colorgan.data import get_sample_path
    >>> paths = [get_sample_path(f"sample_{band}.fits") for band in "gri"]
    >>> composite = stack(paths)  # doctest: +IGNORE_OUTPUT
    >>> composite.rgb.shape[2], bool(np.nanmax(composite.rgb) <= 1)
    (3, True)
    """
    if isinstance(filters, (str, ImageData, np.ndarray)) or not hasattr(filters, "__len__"):
        raise TypeError("filters must be a list of images, blue to red")
    n = len(filters)
    if n == 0:
        raise ValueError("no filters given")
    # check every option before any work is done
    if isinstance(stretch, (list, tuple)):
        if linked:
            raise ValueError("one stretch per filter needs linked=False")
        stretches = [resolve_stretch(item, Q=Q) for item in _per_filter(stretch, n, "stretches")]
    else:
        stretches = [resolve_stretch(stretch, Q=Q)] * n
    if weights is not None:
        weights = [float(item) for item in weights]
        if len(weights) != n:
            raise ValueError(f"{len(weights)} weight(s) given for {n} filter(s)")
        if not all(np.isfinite(weights)) or min(weights) < 0:
            raise ValueError("weights must be finite and not negative")
        if max(weights) == 0:
            raise ValueError("the weights are all 0, which makes a black image; give at "
                             "least one filter a positive weight")
    interpolation_order(order)
    interval = SkyPercentileInterval() if interval is None else interval
    if isinstance(reference, (str, os.PathLike)):
        path, _ = split_path(reference)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path} (the reference grid)")
    hdus = _per_filter(hdu, n, "HDUs")
    planes = _per_filter(plane, n, "planes")

    images = [read_image(item, hdu=key, plane=index, dtype=np.float32)
              for item, key, index in zip(filters, hdus, planes)]
    _warn_mixed_units(images)
    if background:
        for index, image in enumerate(images):
            log.info(f"subtracting the sky background of {image.name}")
            images[index] = subtract_background(image, box_size=box_size)
    aligned = align_images(images, reference=reference, order=order, exact=exact,
                           allow_no_wcs=allow_no_wcs, dtype=np.float32)
    del images
    log.info(f"combining {n} filter(s) into R, G, B ({'linked' if linked else 'per-filter'} "
             "stretch)")
    matrix = channel_matrix(n)
    coverage = aligned.footprint
    footprint = coverage.any(axis=0)
    cube = compose(aligned.data, matrix=weighted_matrix(n, matrix=matrix, weights=weights),
                   stretches=stretches, interval=interval, linked=linked)
    rgb = np.moveaxis(cube, 0, -1)
    options = {
        "background": background,
        "box_size": box_size if box_size is not None else "auto",
        "stretch": _describe_option(stretches[0] if linked else stretches),
        "Q": Q,
        "interval": _describe_option(interval),
        "linked": linked,
        "weights": weights if weights is not None else [1.0] * n,
        "channels (rows R, G, B)": np.round(matrix, 4).tolist(),
        "hdu": hdu,
        "plane": plane,
        "reference": getattr(reference, "name", None) or (
            "default (finest scale, north up)" if reference is None else
            reference if isinstance(reference, str) else type(reference).__name__),
        "order": order,
        "exact": exact,
        "allow_no_wcs": allow_no_wcs,
    }
    history = provenance_history("stack", aligned.names, options)
    return CompositeImage(rgb=rgb, wcs=aligned.wcs, footprint=footprint, coverage=coverage,
                          names=list(aligned.names), history=history)

