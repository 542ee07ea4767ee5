"""The multi-filter colour composite: `stack` and its result, `CompositeImage`."""

import os
import warnings
from dataclasses import dataclass

import numpy as np
from astropy import log
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import BaseInterval, BaseStretch

from ..align import align_images, interpolation_order, reproject_image
from ..align._grid import same_grid
from ..align._high_level import _unique_names
from ..background import subtract_background
from ..io import ImageData, provenance_history, read_image
from ..io._fits import split_path
from ._channels import channel_matrix, weighted_matrix
from ._calibration import check_white_balance, white_balance_gains
from ._compose import compose
from ._filters import filter_info, wavelength_order_warning
from ._mapping import mapping_matrix
from ._result import RGBImage
from ._saturation import RING_WIDTH, check_saturation, recolour_saturated, saturation_masks
from ._stretch import LuptonStretch, SkyPercentileInterval, is_lupton_stretch, resolve_stretch

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
        The inputs, blue to red (or as given with ``mapping=``).
    history : list of str
        Provenance: package version, inputs and every option (HISTORY cards).
    saturated : `~numpy.ndarray` or `None`
        Boolean, shape ``(ny, nx)``: the saturated pixels that took the colour of
        the ring around them (`None` where no saturation was known).
    """

    footprint: np.ndarray
    coverage: np.ndarray
    saturated: np.ndarray = None


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


def _channel_keywords(red, green, blue):
    """The filters (blue to red) and ``(3, n)`` matrix of ``red=``, ``green=``, ``blue=``."""
    if red is None or blue is None:
        raise ValueError("give red= and blue= (and green=, which is otherwise their mean), "
                         "or a list of filters, blue to red")
    if green is None:
        return [blue, red], channel_matrix(2), ["blue", "red"]
    return [blue, green, red], channel_matrix(3), ["blue", "green", "red"]


def _lupton_minimum(minimum):
    """``make_lupton_rgb``'s ``minimum``: one black level or one for each of R, G, B."""
    values = np.atleast_1d(np.asarray(0.0 if minimum is None else minimum, dtype=float))
    if values.shape not in ((1,), (3,)) or not np.all(np.isfinite(values)):
        raise ValueError(f"minimum must be one finite number or three (R, G, B), not {minimum!r}")
    return np.broadcast_to(values, (3,)).copy()


def _saturated_on_grid(masks, grids, aligned):
    """The union of the filters' saturation masks on the aligned grid (`None` if none)."""
    if all(mask is None for mask in masks):
        return None
    union = np.zeros(aligned.shape, dtype=bool)
    for mask, (wcs, shape) in zip(masks, grids):
        if mask is None:
            continue
        if aligned.wcs is None or wcs is None or same_grid(wcs, shape, aligned.wcs,
                                                           aligned.shape):
            union |= mask
        else:  # any pixel that a saturated one reaches by the interpolation is saturated
            plane = reproject_image(mask.astype(np.float32), wcs, aligned.wcs, aligned.shape,
                                    order="bilinear")
            with np.errstate(invalid="ignore"):
                union |= plane > 0
    return union


def stack(filters=None, *, red=None, green=None, blue=None, mapping=None, reference=None,
          background=True, stretch="asinh", Q=8.0, minimum=None, interval=None, linked=True,
          weights=None, saturation=None, white_balance=None, hdu=None, plane=None, order="bilinear",
          exact=False, allow_no_wcs=False, box_size=None):
    """Make a colour composite from images in several filters.

    The images are read (`~astro_colorgan.io.read_image`), cleared of their sky
    background (`~astro_colorgan.background.subtract_background`), put on one
    grid (`~astro_colorgan.align.align_images`), combined into R, G, B
    channels (3 filters map to B, G, R; 2 get a synthesised green, their mean,
    which `~astro_colorgan.Colorizer.complete` can predict instead; more are
    tinted along the spectrum and summed; or as ``mapping=`` says) and stretched.

    Parameters
    ----------
    filters : list, optional
        The images, in order of increasing wavelength (blue to red); each a FITS
        path (``'file.fits[1]'`` selects an HDU), `~astropy.io.fits.HDUList`,
        image HDU, ``(array, WCS or Header)`` tuple, `~astropy.nddata.NDData`,
        array of shape ``(ny, nx)`` or `~astro_colorgan.io.ImageData`. A warning
        says when their ``PHOTPLAM`` or ``FILTER`` keywords show another order.
    red, green, blue : optional
        Instead of ``filters``: the image for each channel, by name, so that the
        order cannot be mistaken (``make_lupton_rgb(r, g, b)`` takes them red
        first). ``green`` may be left out (their mean is used). Options given per
        filter (``weights``, ``hdu``, ...) then go blue, green, red.
    mapping : str, dict or array-like, optional
        Which filter goes to which channel (narrowband palettes). A name: ``'SHO'``
        ([SII] to R, Hα to G, [OIII] to B, the "Hubble palette"), ``'HSO'`` (Hα to
        R, [SII] to G, [OIII] to B), ``'HOO'`` (Hα to R, [OIII] to G and B; two
        filters), ``'OHS'``, or any three of the letters S, H, O, N ([NII]) and B
        (Hβ) for R, G, B. Each filter is recognised by its ``FILTER`` keyword
        (``'Ha'``, ``'OIII'``, ``'F656N'`` ...); those that say nothing are taken
        blue to red ([OIII], Hα, [SII]). Or a dict from a filter (its ``FILTER``
        value, a line such as ``'Ha'``, its index in ``filters``, or the start
        of its file name) to a colour (a name such as ``'red'`` or ``'#ff8000'``,
        ``'R'``/``'G'``/``'B'``, or three numbers), or one colour per filter: an
        ``(n, 3)`` matrix whose row ``i`` is filter ``i``'s R, G, B weight. The
        lines are not balanced to grey (Hα usually dominates: the Hubble palette
        comes out green); ``weights=`` balances them.
    reference : optional
        The output grid: an image (path, HDU, ...) whose grid is used, a
        celestial `~astropy.wcs.WCS` with ``pixel_shape``, or ``(WCS, (ny, nx))``.
        By default, the north-up grid covering all filters at the finest pixel scale.
    background : bool, optional
        Subtract each filter's sky background first.
    stretch : str, float, `~astropy.visualization.BaseStretch` or list, optional
        ``'asinh'`` (default), ``'linear'``, ``'sqrt'``, ``'log'``, ``'sinh'`` or a
        stretch object; with ``linked=False``, also one per filter. A number is
        `~astropy.visualization.make_lupton_rgb`'s linear ``stretch``: then
        ``minimum``, ``stretch`` and ``Q`` mean what they mean there, in the
        data's units, and ``interval`` is not used (`LuptonStretch`).
    Q : float, optional
        The softening of the asinh stretch: ``asinh(Q x) / asinh(Q)`` of the
        intensity ``x`` normalised by ``interval`` (default 8); with a numeric
        ``stretch``, make_lupton_rgb's ``Q``.
    minimum : float or sequence of 3 float, optional
        With a numeric ``stretch``: make_lupton_rgb's black level, one or one per
        R, G, B channel, in the data's units (default 0).
    interval : `~astropy.visualization.BaseInterval`, optional
        The limits mapped to 0 and 1 (default: sky level to the 99.5th
        percentile, `SkyPercentileInterval`).
    linked : bool, optional
        `True` (default): stretch the intensity and scale R, G, B alike, which
        keeps colours (Lupton et al. 2004). `False`: normalise and stretch each
        filter on its own before combining.
    weights : sequence of float, optional
        A factor for each filter (default 1).
    saturation : None, False, float, `~numpy.ndarray` or list, optional
        Where the filters are saturated, so that saturated cores keep the colour
        of the unsaturated ring around them (their brightness is kept; recorded
        in HISTORY). `None` (default): each filter's ``SATURATE`` (or
        ``SATLEVEL``, ``SATURLEV``, ...) keyword, where it has one; `False`: off;
        a level in the data's units; or, per filter, a list of levels, `None`,
        `False` or boolean masks of shape ``(ny, nx)`` on the filter's own grid.
    white_balance : str, `~astropy.table.Table` or sequence of float, optional
        Colour calibration: per-filter gains (on top of ``weights``), measured on
        the aligned linear data and reported in HISTORY and the log with the
        stars' colour scatter before and after. ``'stars'``: the median colour
        of the field's own stars (photutils segmentation to find them, aperture
        photometry) is made neutral. A `~astropy.table.Table` of stars with sky
        positions (``ra``, ``dec`` in degrees, or a `~astropy.coordinates.SkyCoord`
        column ``coord``) and magnitudes per filter (columns named after the
        ``FILTER`` keywords, ``'g'`` or ``'mag_g'``, or colours such as ``'g-r'``):
        the gains that give the stars their catalogue colours, so that equal
        magnitudes look neutral (a robust median fit; nothing is fetched from
        the network). Or the gains, one per filter. Default: none.
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
        ``coverage``, ``saturated`` and ``history``; ``write_fits`` and
        ``write_image`` save it.

    Raises
    ------
    ValueError, TypeError, OSError
        For unreadable or unsuitable inputs and bad options (see `~astro_colorgan.io.read_image`
        and `~astro_colorgan.align.align_images`).

    Warns
    -----
    `~astropy.utils.exceptions.AstropyUserWarning`
        When the filters' wavelengths (``PHOTPLAM``, ``FILTER``) are not blue to
        red, or their units (``BUNIT``) differ.

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan import stack
    >>> from astro_colorgan.data import get_sample_path
    >>> paths = [get_sample_path(f"sample_{band}.fits") for band in "gri"]
    >>> composite = stack(paths)  # doctest: +IGNORE_OUTPUT
    >>> composite.rgb.shape[2], bool(np.nanmax(composite.rgb) <= 1)
    (3, True)

    The same, with the channels named, and with make_lupton_rgb's parameters:

    >>> named = stack(red=paths[2], green=paths[1], blue=paths[0], stretch=0.5, Q=8,
    ...               minimum=0)  # doctest: +IGNORE_OUTPUT
    >>> named.history[-1]
    'saturated cores: none known (no SATURATE/SATLEVEL keywords, no levels given)'
    """
    channel_names = None
    if any(item is not None for item in (red, green, blue)):
        if filters is not None:
            raise ValueError("give either filters (blue to red) or red=, green=, blue=, "
                             "not both")
        if mapping is not None:
            raise ValueError("red=, green=, blue= already say which filter goes where; "
                             "give mapping= with a list of filters instead")
        filters, matrix, channel_names = _channel_keywords(red, green, blue)
    if filters is None:
        raise TypeError("no filters given: pass a list of images (blue to red), or red=, "
                        "green= and blue=")
    if isinstance(filters, (str, ImageData, np.ndarray)) or not hasattr(filters, "__len__"):
        raise TypeError("filters must be a list of images, blue to red")
    n = len(filters)
    if n == 0:
        raise ValueError("no filters given")
    # check every option before any work is done
    lupton = is_lupton_stretch(stretch)
    lupton_minimum = None
    if lupton:
        if interval is not None:
            raise ValueError("a numeric stretch is make_lupton_rgb's, scaled by minimum= and "
                             "stretch= in the data's units; it takes no interval=")
        if not linked:
            raise ValueError("a numeric stretch (make_lupton_rgb's) needs linked=True")
        stretches = [LuptonStretch(stretch=stretch, Q=Q)] * n
        lupton_minimum = _lupton_minimum(minimum)
    elif minimum is not None:
        raise ValueError("minimum= is make_lupton_rgb's and goes with a numeric stretch= "
                         "(e.g. stretch=5); with a named stretch, give interval=")
    elif isinstance(stretch, (list, tuple)):
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
    check_saturation(saturation, n)
    check_white_balance(white_balance, n)
    if not lupton:
        interval = SkyPercentileInterval() if interval is None else interval
    if isinstance(reference, (str, os.PathLike)):
        path, _ = split_path(reference)
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: {path} (the reference grid)")
    hdus = _per_filter(hdu, n, "HDUs")
    planes = _per_filter(plane, n, "planes")

    images = _unique_names([read_image(item, hdu=key, plane=index, dtype=np.float32)
                            for item, key, index in zip(filters, hdus, planes)])
    _warn_mixed_units(images)
    infos = [filter_info(image.header) for image in images]
    names = [image.name for image in images]
    notes = []
    if mapping is not None:
        matrix, notes = mapping_matrix(mapping, infos, names)
    elif channel_names is None:
        matrix = channel_matrix(n)
        message = wavelength_order_warning(infos, names)
        if message:
            warnings.warn(message, AstropyUserWarning)
    masks, sources = saturation_masks(images, saturation)
    grids = [(image.wcs, image.shape) for image in images]
    if background:
        for index, image in enumerate(images):
            log.info(f"subtracting the sky background of {image.name}")
            images[index] = subtract_background(image, box_size=box_size)
    aligned = align_images(images, reference=reference, order=order, exact=exact,
                           allow_no_wcs=allow_no_wcs, dtype=np.float32)
    del images
    coverage = aligned.footprint
    footprint = coverage.any(axis=0)
    saturated = _saturated_on_grid(masks, grids, aligned)
    del masks
    if saturated is not None:
        saturated &= footprint
        regions, pixels, skipped = recolour_saturated(aligned.data, saturated)
        saturation_note = (f"saturated cores: {regions} region(s), {pixels} pixel(s) took the "
                           f"colour of the {RING_WIDTH}-pixel ring around them, brightness kept")
        if skipped:
            saturation_note += f"; {skipped} without an unsaturated ring left as they were"
        log.info(saturation_note)
    elif all(source == "off" for source in sources):
        saturation_note = "saturated cores: not recoloured (saturation=False)"
    else:
        saturation_note = ("saturated cores: none known (no SATURATE/SATLEVEL keywords, no "
                           "levels given)" if all(source in ("none known", "off")
                                                  for source in sources)
                           else "saturated cores: no saturated pixel found")
    balance_notes, mixing = [], weights
    if white_balance is not None:
        gains, balance_notes = white_balance_gains(
            white_balance, aligned.data, wcs=aligned.wcs, infos=infos, names=list(aligned.names),
            saturated=saturated)
        for note in balance_notes:
            log.info(note)
        mixing = gains * (np.ones(n) if weights is None else np.asarray(weights))
    log.info(f"combining {n} filter(s) into R, G, B ({'linked' if linked else 'per-filter'} "
             "stretch)")
    cube = compose(aligned.data, matrix=weighted_matrix(n, matrix=matrix, weights=mixing),
                   stretches=stretches, interval=interval, linked=linked,
                   minimum=lupton_minimum)
    rgb = np.moveaxis(cube, 0, -1)
    options = {
        "background": background,
        "box_size": box_size if box_size is not None else "auto",
        "stretch": _describe_option(stretches[0] if linked else stretches),
        "Q": Q,
    }
    if lupton:
        options["minimum (R, G, B)"] = lupton_minimum.tolist()
        options["interval"] = "none (make_lupton_rgb's minimum and stretch)"
    else:
        options["interval"] = _describe_option(interval)
    options.update({
        "linked": linked,
        "weights": weights if weights is not None else [1.0] * n,
        "mapping": (mapping if isinstance(mapping, str) else
                    "custom" if mapping is not None else
                    "red=, green=, blue=" if channel_names else "by number of filters"),
        "channels (rows R, G, B)": np.round(matrix, 4).tolist(),
        "saturation": sources,
        "white_balance": (None if white_balance is None else
                          f"catalogue Table of {len(white_balance)} star(s)"
                          if hasattr(white_balance, "colnames") else
                          white_balance if isinstance(white_balance, str) else
                          [float(value) for value in white_balance]),
        "hdu": hdu,
        "plane": plane,
        "reference": getattr(reference, "name", None) or (
            "default (finest scale, north up)" if reference is None else
            reference if isinstance(reference, str) else type(reference).__name__),
        "order": order,
        "exact": exact,
        "allow_no_wcs": allow_no_wcs,
    })
    history = provenance_history("stack", aligned.names, options)
    if channel_names:
        history += [f"channel {channel}: {name}" for channel, name in zip(channel_names,
                                                                          aligned.names)]
    history += [f"mapping {note}" for note in notes]
    history.append(saturation_note)
    history += balance_notes
    return CompositeImage(rgb=rgb, wcs=aligned.wcs, footprint=footprint, coverage=coverage,
                          names=list(aligned.names), history=history, saturated=saturated)
