"""Colour calibration: per-filter gains from the field's stars, a catalogue, or given."""

import warnings

import numpy as np

__all__ = ["check_white_balance", "white_balance_gains"]

# detection threshold (sky standard deviations of the detection image) and smallest source
_NSIGMA = 10.0
_NPIXELS = 5
# star-like: round, and no broader than the typical compact source
_MAX_ELLIPTICITY = 0.3
_FWHM_SPREAD = 1.5
# the aperture radius in units of the stars' median FWHM, and its smallest value (pixels)
_APERTURE_FWHM = 1.5
_MIN_RADIUS = 2.0
# catalogue stars within this many FWHM of a detected star are matched to it
_MATCH_FWHM = 1.0
_MIN_STARS = 3


def check_white_balance(white_balance, n):
    """Refuse a ``white_balance=`` that `stack` cannot use, before any work is done."""
    if white_balance is None or (isinstance(white_balance, str) and white_balance == "stars"):
        return
    if isinstance(white_balance, str):
        raise ValueError(f"unknown white_balance {white_balance!r}; use 'stars', a catalogue "
                         "Table or one gain per filter")
    if _is_table(white_balance):
        return
    try:
        gains = [float(value) for value in white_balance]
    except (TypeError, ValueError):
        raise TypeError("white_balance must be 'stars', an astropy Table of stars or one gain "
                        f"per filter, not {type(white_balance).__name__}") from None
    if len(gains) != n:
        raise ValueError(f"{len(gains)} gain(s) given for {n} filter(s)")
    if not all(np.isfinite(gains)) or min(gains) <= 0:
        raise ValueError("the gains of white_balance must be finite and above 0")


def _is_table(value):
    from astropy.table import Table

    return isinstance(value, Table)


def _property(catalogue, name, old_name):
    """A SourceCatalog property under its photutils 3 name, or its older one."""
    value = getattr(catalogue, name, None)
    return np.asarray(getattr(catalogue, old_name) if value is None else value, dtype=float)


def _detect_stars(data, usable):
    """Compact, round, isolated sources of the aligned filters: centroids and FWHM."""
    from astropy.stats import sigma_clipped_stats
    from photutils.segmentation import SourceCatalog, detect_sources
    from photutils.utils.exceptions import NoDetectionsWarning

    detection = np.zeros(data.shape[1:], dtype=np.float64)
    for plane in data:
        values = plane[usable]
        _, median, std = sigma_clipped_stats(values, sigma=3.0, maxiters=5)
        if std > 0:
            detection += np.where(usable, (plane - median) / std, 0.0)
    _, median, std = sigma_clipped_stats(detection[usable], sigma=3.0, maxiters=5)
    with warnings.catch_warnings():  # no star at all is reported below, in our words
        warnings.simplefilter("ignore", NoDetectionsWarning)
        segments = detect_sources(detection - median, _NSIGMA * std, _NPIXELS, mask=~usable)
    if segments is None:
        return np.empty((0, 3)), 0.0, None
    catalogue = SourceCatalog(detection - median, segments)
    fwhm = np.asarray(catalogue.fwhm.value, dtype=float)
    ellipticity = np.asarray(catalogue.ellipticity.value, dtype=float)
    round_ones = np.isfinite(fwhm) & (ellipticity < _MAX_ELLIPTICITY)
    if not round_ones.any():
        return np.empty((0, 3)), 0.0, segments
    typical = float(np.median(fwhm[round_ones]))
    stars = round_ones & (fwhm < _FWHM_SPREAD * typical)
    xy = np.column_stack([_property(catalogue, "x_centroid", "xcentroid"),
                          _property(catalogue, "y_centroid", "ycentroid")])[stars]
    labels = np.asarray(catalogue.label)[stars]
    return np.column_stack([xy, labels]), typical, segments


def _photometry(data, xy, radius, usable, segments, labels=None):
    """Aperture fluxes ``(k, n)`` at ``xy``; NaN for apertures with bad pixels or neighbours."""
    from photutils.aperture import CircularAperture

    fluxes = np.full((len(xy), data.shape[0]), np.nan)
    for index, (x, y) in enumerate(xy):
        aperture = CircularAperture((x, y), r=radius)
        weights = aperture.to_mask(method="exact")
        cut = weights.get_overlap_slices(data.shape[1:])[0]
        if cut is None:
            continue
        box = weights.cutout(usable.astype(float), fill_value=0.0)
        inside = weights.data > 0
        if box is None or (box[inside] < 1).any():
            continue  # off the grid, saturated or without data in some filter
        if segments is not None and labels is not None:
            owners = weights.cutout(segments.data, fill_value=0)[inside]
            if np.any((owners != 0) & (owners != labels[index])):
                continue  # a neighbour in the aperture
        for band, plane in enumerate(data):
            fluxes[index, band] = float(np.sum(weights.cutout(plane, fill_value=0.0)[inside]
                                               * weights.data[inside]))
    return fluxes


def _catalogue_magnitudes(table, infos, names):
    """The catalogue's sky positions and ``(k, n)`` magnitudes in the filters' order."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    columns = {name.lower(): name for name in table.colnames}
    coords = None
    for key in ("coord", "sky_centroid", "skycoord", "coordinates"):
        if key in columns and isinstance(table[columns[key]], SkyCoord):
            coords = table[columns[key]]
    if coords is None:
        ra = next((columns[key] for key in ("ra", "raj2000", "ra_icrs") if key in columns), None)
        dec = next((columns[key] for key in ("dec", "dej2000", "de_icrs", "decj2000")
                    if key in columns), None)
        if ra is None or dec is None:
            raise ValueError("the catalogue needs sky positions: a SkyCoord column 'coord' or "
                             "columns 'ra' and 'dec' (degrees)")
        unit = table[ra].unit or u.deg
        coords = SkyCoord(np.asarray(table[ra], float) * unit,
                          np.asarray(table[dec], float) * (table[dec].unit or u.deg))

    def column_of(info, name):
        keys = [key.lower() for key in (info.name,) if key]
        candidates = []
        for key in keys:
            candidates += [key, f"mag_{key}", f"{key}_mag", f"{key}mag"]
        return next((columns[key] for key in candidates if key in columns), None)

    found = [column_of(info, name) for info, name in zip(infos, names)]
    if all(found):
        mags = np.column_stack([np.asarray(table[column], dtype=float) for column in found])
        return coords, mags, found
    # colours of neighbouring filters, 'g-r', 'r-i': magnitudes up to a constant per star
    keys = [info.name.lower() for info in infos]
    colours = [columns.get(f"{a}-{b}") for a, b in zip(keys, keys[1:])] if all(keys) else []
    if colours and all(colours):
        mags = np.zeros((len(table), len(infos)))
        for index, column in enumerate(colours):
            mags[:, index + 1] = mags[:, index] - np.asarray(table[column], dtype=float)
        return coords, mags, colours
    missing = [name for name, column in zip(names, found) if column is None]
    raise ValueError(f"the catalogue has no magnitude column for {', '.join(missing)}: name "
                     "them after the FILTER keywords ('g' or 'mag_g'), or give colours of "
                     "neighbouring filters ('g-r', 'r-i')")


def _relative(fluxes):
    """Fluxes divided by each star's geometric mean over the filters (its colour)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(fluxes)
    return logs - logs.mean(axis=1, keepdims=True)


def _scatter(log_colours):
    """The colours' root-mean-square scatter in magnitudes."""
    return float(np.sqrt(np.mean((2.5 / np.log(10) * log_colours) ** 2)))


def white_balance_gains(white_balance, data, *, wcs=None, infos=None, names=None,
                        saturated=None):
    """Per-filter gains that make the reference neutral, and a report.

    Parameters
    ----------
    white_balance : str, `~astropy.table.Table` or sequence of float
        ``'stars'``: the median colour of the field's stars (found with photutils
        segmentation, measured with aperture photometry) is made neutral. A
        `~astropy.table.Table` of stars with sky positions and magnitudes per
        filter (or colours of neighbouring filters): the gains that make the
        measured colours those of the catalogue (the median over the stars),
        so that a star of equal magnitudes in all filters comes out neutral.
        Or the gains themselves, one per filter.
    data : `~numpy.ndarray`
        The aligned, sky-subtracted linear filters, shape ``(n, ny, nx)``.
    wcs : `~astropy.wcs.WCS`, optional
        The grid's WCS (needed for a catalogue).
    infos : list of `~astro_colorgan.composite._filters.FilterInfo`, optional
        The filters' names, to find a catalogue's magnitude columns.
    names : list of str, optional
        The filters' names, for messages.
    saturated : `~numpy.ndarray`, optional
        Boolean ``(ny, nx)``: pixels no aperture may touch.

    Returns
    -------
    gains : `~numpy.ndarray`
        Shape ``(n,)``, geometric mean 1.
    notes : list of str
        The gains, the number of stars and the colour scatter before and after.
    """
    n = data.shape[0]
    names = names or [f"filter {index + 1}" for index in range(n)]
    if not isinstance(white_balance, str) and not _is_table(white_balance):
        gains = np.asarray([float(value) for value in white_balance])
        gains = gains / np.exp(np.mean(np.log(gains)))
        return gains, [f"white balance: gains {_format(gains)} (given; geometric mean 1)"]
    usable = np.isfinite(data).all(axis=0)
    if saturated is not None:
        usable &= ~saturated
    detected, fwhm, segments = _detect_stars(data, usable)
    radius = max(_APERTURE_FWHM * fwhm, _MIN_RADIUS) if fwhm else 2 * _MIN_RADIUS
    if _is_table(white_balance):
        if wcs is None:
            raise ValueError("a catalogue needs filters with a celestial WCS")
        coords, mags, columns = _catalogue_magnitudes(white_balance, infos or [], names)
        x, y = wcs.world_to_pixel(coords)
        xy = np.column_stack([x, y])
        labels = None
        if len(detected):  # centroids of the matched detections, and their labels
            distance = np.hypot(xy[:, None, 0] - detected[None, :, 0],
                                xy[:, None, 1] - detected[None, :, 1])
            nearest = distance.argmin(axis=1)
            close = distance[np.arange(len(xy)), nearest] <= max(_MATCH_FWHM * fwhm, 1.0)
            xy = np.where(close[:, None], detected[nearest, :2], xy)
            labels = np.where(close, detected[nearest, 2], -1)
        fluxes = _photometry(data, xy, radius, usable, segments, labels)
        expected = 10.0 ** (-0.4 * mags)
        good = np.all(np.isfinite(fluxes) & (fluxes > 0), axis=1) & np.all(
            np.isfinite(expected), axis=1)
        source = f"catalogue ({', '.join(columns)}), {int(good.sum())} of {len(xy)} star(s)"
        target = _relative(expected[good])
    else:
        fluxes = _photometry(data, detected[:, :2], radius, usable, segments, detected[:, 2])
        good = np.all(np.isfinite(fluxes) & (fluxes > 0), axis=1)
        source = f"the field's median star, {int(good.sum())} star(s)"
        target = 0.0
    if good.sum() < _MIN_STARS:
        raise ValueError(f"white_balance found {int(good.sum())} usable star(s) "
                         f"(at least {_MIN_STARS} needed): give gains instead")
    measured = _relative(fluxes[good])
    offsets = np.median(target - measured, axis=0)  # log gains
    offsets -= offsets.mean()
    gains = np.exp(offsets)
    before = _scatter(measured - target)
    after = _scatter(measured + offsets - target)
    notes = [f"white balance: {source}, aperture radius {radius:.1f} px",
             f"white balance: gains {_format(gains)} (geometric mean 1)",
             f"white balance: star colour scatter {before:.3f} mag before, {after:.3f} mag "
             "after"]
    return gains, notes


def _format(gains):
    return "[" + ", ".join(f"{value:.4f}" for value in gains) + "]"
