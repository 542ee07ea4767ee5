"""Simulated multi-filter fields of galaxies and stars with physical colours (GalSim).

`simulate_field` draws a population of galaxies and stars (or takes a
catalogue), gives every component a spectrum, and renders one image per
filter with GalSim: each object's PSF-convolved profile is drawn once per
filter on a postage stamp and added into the field, then sky and Poisson
noise are added. The images are FITS HDUs in nJy per pixel with a celestial
TAN WCS and ``FILTER``/``PHOTPLAM`` keywords, so `astro_colorgan.stack` makes
their colour composite exactly as for observed data (`SimulatedField`, in
``_sim_field``; many fields are written by ``simulate_fields``, in ``_sim_batch``).
"""

import functools
import math

import numpy as np
from astropy.io import fits

from ..io import provenance_history
from ..io._fitsout import add_history
from ._sim_catalog import complete_catalog, random_catalog
from ._sim_field import SimulatedField
from ._sim_physics import (AB_NJY_ZEROPOINT, INSTRUMENTS, REFERENCE_BAND, SIMULATED_FILTERS,
                           band_weights, blackbody_fnu, get_filter, import_galsim,
                           template_fnu, young_fnu, zodiacal_sky)

__all__ = ["SIMULATED_FILTERS", "simulate_field"]

_MIN_SIZE = 32
_DISK_THICKNESS = 0.1  # scale height over scale radius of the inclined discs
_BULGE_TRUNCATION = 5.0  # de Vaucouleurs profiles are cut at 5 half-light radii


def _check_filters(filters):
    """Filter objects of the names ``filters`` (one instrument), blue to red."""
    if isinstance(filters, str):
        filters = [filters]
    filters = list(filters)
    if not filters:
        raise ValueError("give at least one filter")
    objects = [get_filter(name) for name in filters]
    if len(set(filters)) < len(filters):
        raise ValueError("each filter may be given once, not " + " ".join(filters))
    instruments = {f.instrument for f in objects}
    if len(instruments) > 1:
        raise ValueError("the filters must be of one instrument (HST ACS: F435W ... F850LP, "
                         "or LSST: u g r i z y), not " + " ".join(filters))
    return sorted(objects, key=lambda f: f.pivot_wavelength)


def _check_size(size):
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < _MIN_SIZE:
        raise ValueError(f"size must be an integer of at least {_MIN_SIZE} pixels, not {size!r}")
    return int(size)


def _child_seeds(seed, n):
    """``n`` independent seed sequences of ``seed``, the same every time (unlike ``spawn``,
    which counts the children a `~numpy.random.SeedSequence` has already given)."""
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    return [np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (k,))
            for k in range(n)]


def _random_centre(rng):
    """A random sky position at Galactic latitude |b| > 45 deg (ICRS ra, dec in deg)."""
    from astropy.coordinates import SkyCoord

    lon = rng.uniform(0.0, 360.0)
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(45.0)), 1.0)))
    lat *= rng.choice([-1.0, 1.0])
    icrs = SkyCoord(lon, lat, unit="deg", frame="galactic").icrs
    return float(icrs.ra.deg), float(icrs.dec.deg)


def _tan_wcs(centre, pixel_scale, size):
    """North-up, east-left TAN WCS of a ``size`` x ``size`` field centred on ``centre``."""
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.crpix = [(size + 1) / 2.0, (size + 1) / 2.0]
    wcs.wcs.cdelt = [-pixel_scale / 3600.0, pixel_scale / 3600.0]
    wcs.wcs.crval = list(centre)
    wcs.wcs.radesys = "ICRS"
    return wcs


def _component_fluxes(catalog, filters):
    """Fluxes (nJy) of each object's bulge (or star), disc and knots: ``(n, 3, n_filters)``."""
    weights = band_weights([get_filter(REFERENCE_BAND)] + list(filters))
    fluxes = np.zeros((len(catalog), 3, len(filters)))
    for row, obj in enumerate(catalog):
        reference = 10.0 ** (-0.4 * (obj["i_mag"] - AB_NJY_ZEROPOINT))
        if obj["kind"] == "star":
            parts = [(0, 1.0, lambda: blackbody_fnu(obj["temperature"]))]
        else:
            z, ebv = obj["redshift"], obj["ebv"]
            disk = 1.0 - obj["bulge_fraction"] - obj["knot_fraction"]
            parts = [(0, obj["bulge_fraction"], lambda: template_fnu("E", z)),
                     (1, disk, lambda: template_fnu(obj["disk_sed"], z, ebv=ebv)),
                     (2, obj["knot_fraction"], lambda: young_fnu(z, ebv=ebv))]
        for component, fraction, spectrum in parts:
            if fraction > 0:
                band = weights @ spectrum()
                fluxes[row, component] = band[1:] * (fraction * reference / band[0])
    return fluxes


class _Instrument:
    """Per-filter PSF, sky and photon counts of one instrument at one pixel scale."""

    def __init__(self, filters, pixel_scale):
        self.filters = filters
        self.spec = INSTRUMENTS[filters[0].instrument]
        self.pixel_scale = pixel_scale
        if self.spec.get("seeing"):
            self.sky_mag = [f.sky_mag for f in filters]
        else:
            self.sky_mag = list(zodiacal_sky(filters))
        self.psf_fwhm = [_psf_fwhm(f.name) for f in filters]

    def psf(self, index):
        return _psf(self.filters[index].name)

    def sky_level(self, index):
        """Mean sky (nJy per pixel)."""
        return 10.0 ** (-0.4 * (self.sky_mag[index] - AB_NJY_ZEROPOINT)) * self.pixel_scale ** 2

    def electrons_per_njy(self, index):
        return self.filters[index].electrons_per_njy(self.spec["area"])


@functools.lru_cache(maxsize=None)
def _gsparams():
    galsim = import_galsim()
    # 1 % folding and k-space truncation: fast FFTs of small stamps, errors well
    # below the photon noise of the faintest objects drawn
    return galsim.GSParams(folding_threshold=1e-2, maxk_threshold=1e-2)


@functools.lru_cache(maxsize=None)
def _psf(name):
    """The PSF of a filter at its effective wavelength: Airy (HST, with the detector's
    blur) or Kolmogorov (LSST)."""
    galsim = import_galsim()
    band = get_filter(name)
    spec = INSTRUMENTS[band.instrument]
    if spec.get("seeing"):
        fwhm = spec["seeing"] * (band.effective_wavelength / spec["seeing_wavelength"]) ** -0.2
        return galsim.Kolmogorov(fwhm=fwhm, gsparams=_gsparams())
    airy = galsim.Airy(lam=band.effective_wavelength, diam=spec["diameter"],
                       obscuration=spec["obscuration"], scale_unit=galsim.arcsec,
                       gsparams=_gsparams())
    return galsim.Convolve(airy, galsim.Gaussian(fwhm=spec["blur"], gsparams=_gsparams()))


@functools.lru_cache(maxsize=None)
def _psf_fwhm(name):
    """FWHM (arcsec) of a filter's PSF, measured on a finely sampled drawing."""
    psf = _psf(name)
    if hasattr(psf, "fwhm"):
        return float(psf.fwhm)
    # GalSim has no FWHM of a convolution or an obscured Airy disc: measure it
    image = psf.drawImage(nx=201, ny=201, scale=0.002, method="no_pixel")
    return float(image.calculateFWHM())


def _profiles(obj, instrument):
    """Unit-flux GalSim profiles of an object's components (None where absent), and its extent."""
    galsim = import_galsim()
    gsparams = _gsparams()
    if obj["kind"] == "star":
        # the stamp reaches 10 FWHM: the PSF's wings hold the last per cent of the light
        extent = 6.0 * max(instrument.psf_fwhm)
        return [galsim.DeltaFunction(gsparams=gsparams), None, None], extent
    # position angle east of north -> angle from +x (north up, east left)
    beta = (obj["position_angle"] + 90.0) * galsim.degrees
    profiles, extent = [None, None, None], 0.0
    if obj["bulge_fraction"] > 0:
        hlr = obj["bulge_hlr"]
        profiles[0] = galsim.DeVaucouleurs(
            half_light_radius=hlr, trunc=_BULGE_TRUNCATION * hlr, gsparams=gsparams
        ).shear(q=obj["bulge_q"], beta=beta)
        extent = _BULGE_TRUNCATION * hlr / math.sqrt(obj["bulge_q"])
    if obj["bulge_fraction"] < 1:
        hlr = obj["disk_hlr"]
        disk = galsim.InclinedExponential(
            obj["inclination"] * galsim.degrees, half_light_radius=hlr,
            scale_h_over_r=_DISK_THICKNESS, gsparams=gsparams).rotate(beta)
        profiles[1] = disk
        extent = max(extent, 4.0 * hlr)
        if obj["knot_fraction"] > 0:
            if hlr > 2.0 * max(instrument.psf_fwhm):
                # resolved: star-forming clumps scattered like the disc's light
                q = max(math.cos(math.radians(obj["inclination"])), _DISK_THICKNESS)
                profiles[2] = galsim.RandomKnots(
                    int(obj["n_knots"]), half_light_radius=hlr,
                    rng=galsim.BaseDeviate(int(obj["seed"])), gsparams=gsparams,
                ).shear(q=q, beta=beta)
            else:
                # unresolved clumps: the same light and colour, spread like the disc
                profiles[2] = disk
    return profiles, extent


def _render(catalog, fluxes, instrument, shape):
    """The noiseless images (nJy per pixel, no sky) of the catalogue's objects, one per filter."""
    galsim = import_galsim()
    ny, nx = shape
    scale = instrument.pixel_scale
    images = [galsim.ImageF(nx, ny, scale=scale) for _ in instrument.filters]
    margin = 4.0 * max(instrument.psf_fwhm)
    for obj, flux in zip(catalog, fluxes):
        # catalogue positions are 0-based, GalSim's pixels 1-based
        x, y = obj["x"] + 1.0, obj["y"] + 1.0
        ix, iy = int(math.floor(x + 0.5)), int(math.floor(y + 0.5))
        profiles, extent = _profiles(obj, instrument)
        half = min(int(math.ceil((extent + margin) / scale)), 4 * max(nx, ny))
        bounds = galsim.BoundsI(ix - half, ix + half, iy - half, iy + half)
        if not (bounds & images[0].bounds).isDefined():
            continue
        for index, image in enumerate(images):
            parts = [p.withFlux(f) for p, f in zip(profiles, flux[:, index]) if f > 0]
            if not parts:
                continue
            profile = galsim.Convolve(galsim.Add(parts) if len(parts) > 1 else parts[0],
                                      instrument.psf(index))
            stamp = galsim.ImageF(bounds, scale=scale)
            profile.drawImage(stamp, offset=(x - ix, y - iy))
            overlap = stamp.bounds & image.bounds
            image[overlap] += stamp[overlap]
    return [image.array for image in images]


def simulate_field(filters, *, size=256, seed=None, catalog=None, pixel_scale=None,
                   centre=None, mag_limit=None, dust=True, stars=True, noise=True):
    """Simulate one field of galaxies and stars in several filters.

    Galaxies are a de Vaucouleurs bulge with the elliptical (E) spectrum of
    Coleman, Wu & Weedman (1980) plus an inclined exponential disc with the
    Sbc, Scd or Im spectrum and young star-forming knots (``galsim.RandomKnots``,
    f_lambda ∝ λ^-2), optionally reddened by Calzetti et al. (2000) dust,
    redshifted and attenuated by the intergalactic medium (Madau 1995). Stars
    are black bodies of 3,000 to 30,000 K. Counts, redshifts and sizes follow
    published relations (see :ref:`simulate`). Each filter has its own PSF
    (Airy for HST, Kolmogorov seeing for LSST, at the filter's wavelength),
    sky brightness and exposure time; the noise is the photon noise of sky and
    objects.

    Parameters
    ----------
    filters : str or list of str
        Filter names of one instrument: HST ACS ``'F435W'``, ``'F606W'``,
        ``'F775W'``, ``'F814W'``, ``'F850LP'`` or LSST ``'u'`` ... ``'y'``
        (`SIMULATED_FILTERS`), in any order; the images come out blue to red.
    size : int, optional
        The field is ``size`` x ``size`` pixels (at least 32).
    seed : int or `numpy.random.SeedSequence`, optional
        Makes the field reproducible; `None` draws a fresh one.
    catalog : `~astropy.table.Table`, list of dict, optional
        The objects to render instead of a random population: columns ``kind``
        (``'galaxy'``/``'star'``), ``x``, ``y`` (0-based pixels), ``i_mag`` (AB
        in LSST i) and, for galaxies, ``redshift``, ``bulge_fraction``,
        ``bulge_hlr``, ``disk_hlr`` (arcsec) and ``disk_sed``
        (``'Sbc'``/``'Scd'``/``'Im'``); stars need a ``temperature`` (K).
        Optional columns: ``bulge_q``, ``inclination``, ``position_angle``
        (deg, east of north), ``knot_fraction``, ``n_knots``, ``ebv``, ``seed``.
    pixel_scale : float, optional
        Arcsec per pixel (default: 0.05 for ACS, 0.2 for LSST).
    centre : tuple of float, optional
        ICRS (ra, dec) of the field centre in deg (default: a random position
        at Galactic latitude above 45 deg).
    mag_limit : float, optional
        Faintest LSST i magnitude of the random population (default: 28 for
        ACS, 27 for LSST).
    dust : bool, optional
        Whether discs of the random population are reddened.
    stars : bool, optional
        Whether the random population has stars.
    noise : bool, optional
        Whether to add photon noise (the sky level is always added).

    Returns
    -------
    field : `SimulatedField`
        The images (``(ny, nx)`` float32, nJy per pixel, blue to red) and the catalogue.

    Raises
    ------
    ValueError
        If a filter is unknown, the filters mix instruments, ``size`` is below
        32 or the catalogue is invalid.
    ImportError
        If GalSim is not installed.

    Examples
    --------
    >>> from astro_colorgan import stack
    >>> from astro_colorgan.datasets import simulate_field
    >>> field = simulate_field(["F814W", "F435W", "F606W"], size=64, seed=3)
    >>> field.filters
    ['F435W', 'F606W', 'F814W']
    >>> field.images[0].header["BUNIT"], field.images[0].data.shape
    ('nJy', (64, 64))
    >>> composite = stack(field.images)  # doctest: +IGNORE_OUTPUT
    >>> composite.rgb.shape
    (64, 64, 3)
    """
    bands = _check_filters(filters)
    size = _check_size(size)
    spec = INSTRUMENTS[bands[0].instrument]
    pixel_scale = float(spec["pixel_scale"] if pixel_scale is None else pixel_scale)
    if not pixel_scale > 0:
        raise ValueError(f"pixel_scale must be positive, not {pixel_scale}")
    if catalog is not None:
        catalog = complete_catalog(catalog)
    galsim = import_galsim()
    catalog_seed, centre_seed, noise_seed = _child_seeds(seed, 3)
    if centre is None:
        centre = _random_centre(np.random.default_rng(centre_seed))
    mag_limit = spec["mag_limit"] if mag_limit is None else float(mag_limit)
    shape = (size, size)
    if catalog is None:
        catalog = random_catalog(np.random.default_rng(catalog_seed), shape=shape,
                                 pixel_scale=pixel_scale, mag_limit=mag_limit,
                                 dust=dust, stars=stars)
    instrument = _Instrument(bands, pixel_scale)
    fluxes = _component_fluxes(catalog, bands)
    wcs = _tan_wcs(centre, pixel_scale, size)
    ra, dec = wcs.pixel_to_world_values(catalog["x"], catalog["y"])
    catalog["ra"], catalog["dec"] = np.atleast_1d(ra), np.atleast_1d(dec)
    for index, band in enumerate(bands):
        total = fluxes[:, :, index].sum(axis=1)
        with np.errstate(divide="ignore"):
            catalog[f"mag_{band.name}"] = np.where(
                total > 0, AB_NJY_ZEROPOINT - 2.5 * np.log10(np.maximum(total, 1e-300)), np.inf)

    history = provenance_history(
        "simulate", [], {"filters": [b.name for b in bands], "size": size, "seed": seed,
                         "pixel_scale": pixel_scale, "centre": centre, "mag_limit": mag_limit,
                         "dust": dust, "stars": stars, "noise": noise,
                         "objects": len(catalog), "galsim": galsim.__version__})
    noise_rng = np.random.default_rng(noise_seed)
    images = []
    for index, (band, data) in enumerate(zip(bands, _render(catalog, fluxes, instrument,
                                                            shape))):
        sky = instrument.sky_level(index)
        data = data.astype(np.float64) + sky
        if noise:
            gain = instrument.electrons_per_njy(index)
            data = noise_rng.poisson(np.clip(data, 0.0, None) * gain) / gain
        header = wcs.to_header()
        header["OBJECT"] = ("simulated field", "astro_colorgan.datasets.simulate_field")
        header["TELESCOP"] = spec["telescope"]
        header["INSTRUME"] = spec["instrument"]
        header["FILTER"] = (band.name, "filter name")
        header["PHOTPLAM"] = (round(band.pivot_wavelength * 10.0, 3),
                              "pivot wavelength (Angstrom)")
        header["BUNIT"] = ("nJy", "flux density per pixel")
        header["MAGZPT"] = (AB_NJY_ZEROPOINT, "AB magnitude of 1 BUNIT")
        header["EXPTIME"] = (band.exptime, "exposure time (s) of the photon noise")
        header["SKYLEVEL"] = (sky, "mean sky (nJy per pixel), not subtracted")
        header["SKYMAG"] = (round(float(instrument.sky_mag[index]), 3),
                            "sky (AB mag per square arcsec)")
        header["PSFFWHM"] = (round(instrument.psf_fwhm[index], 4), "PSF FWHM (arcsec)")
        header["ELECPNJY"] = (instrument.electrons_per_njy(index),
                              "detected electrons per nJy in EXPTIME")
        add_history(header, history)
        images.append(fits.PrimaryHDU(data.astype(np.float32), header=header))
    return SimulatedField(images=images, catalog=catalog)
