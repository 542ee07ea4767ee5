"""Spectra, filters and instruments of the simulated fields.

Everything here works on plain NumPy arrays on one observed-frame wavelength
grid (300 to 1,100 nm, 0.5 nm steps): spectral energy distributions (SEDs) are
redshifted, reddened and attenuated by the intergalactic medium there, and
their AB magnitudes through each filter come from one matrix product, the
synphot-style integral of a photon-counting detector,

    <f_nu>_b = ∫ f_nu(λ) T_b(λ) dλ/λ  /  ∫ T_b(λ) dλ/λ,

the same quantity GalSim's ``SED.calculateMagnitude`` computes for a bandpass
with an AB zero point. The SED and bandpass tables are the ones GalSim ships
(``galsim.meta_data.share_dir``); GalSim is imported only when they are first
needed.
"""

import functools
import os

import numpy as np

__all__ = [
    "SIMULATED_FILTERS",
    "AB_NJY_ZEROPOINT",
    "REFERENCE_BAND",
    "WAVELENGTHS",
    "Filter",
    "get_filter",
    "band_weights",
    "template_fnu",
    "young_fnu",
    "blackbody_fnu",
    "calzetti_attenuation",
    "madau_transmission",
    "zodiacal_sky",
    "import_galsim",
    "INSTRUMENTS",
    "YOUNG_BETA",
]

#: Observed-frame wavelength grid (nm) of every spectrum.
WAVELENGTHS = np.arange(300.0, 1100.0 + 0.25, 0.5)

#: AB magnitude of a source of 1 nJy: images are in nJy per pixel.
AB_NJY_ZEROPOINT = 31.4

#: Band in which the number counts, sizes and n(z) are given (LSST i, AB).
REFERENCE_BAND = "LSST_i"

_H_ERG_S = 6.62607015e-27  # Planck constant (erg s)
_NJY_CGS = 1e-32  # 1 nJy in erg / s / cm2 / Hz
_LYMAN_LIMIT = 91.18  # nm
# np.trapz became np.trapezoid in NumPy 2.0
_trapezoid = getattr(np, "trapezoid", None) or getattr(np, "trapz")


class Filter:
    """A filter of the simulation and the instrument that observes through it.

    Attributes
    ----------
    name : str
        ``'F606W'``, ``'r'``, ...
    instrument : {'ACS', 'LSST'}
        HST ACS/WFC or the Rubin Observatory LSST camera.
    file : str
        The bandpass table in GalSim's share directory.
    exptime : float
        Exposure time (s) of the simulated image.
    sky_mag : float
        Sky surface brightness (AB mag per square arcsec).
    """

    def __init__(self, name, instrument, file, exptime, sky_mag):
        self.name = name
        self.instrument = instrument
        self.file = file
        self.exptime = exptime
        self.sky_mag = sky_mag

    def __repr__(self):
        return f"<Filter {self.name} ({self.instrument})>"

    @functools.cached_property
    def throughput(self):
        """The total throughput on `WAVELENGTHS` (0 outside the table)."""
        wave, value = _read_table(os.path.join("bandpasses", self.file))
        return np.interp(WAVELENGTHS, wave, value, left=0.0, right=0.0)

    @functools.cached_property
    def pivot_wavelength(self):
        """Pivot wavelength (nm), sqrt(∫Tλ dλ / ∫T/λ dλ) (``PHOTPLAM`` is this in Angstrom)."""
        t = self.throughput
        return float(np.sqrt(_trapezoid(t * WAVELENGTHS, WAVELENGTHS)
                             / _trapezoid(t / WAVELENGTHS, WAVELENGTHS)))

    @functools.cached_property
    def effective_wavelength(self):
        """Photon-weighted mean wavelength (nm), ∫Tλ dλ / ∫T dλ (GalSim's definition)."""
        t = self.throughput
        return float(_trapezoid(t * WAVELENGTHS, WAVELENGTHS) / _trapezoid(t, WAVELENGTHS))

    def electrons_per_njy(self, area):
        """Detected photo-electrons of a 1 nJy source in the exposure, for a collecting ``area`` (cm2)."""
        t = self.throughput
        photons = _NJY_CGS / _H_ERG_S * _trapezoid(t / WAVELENGTHS, WAVELENGTHS)
        return float(photons * area * self.exptime)


# Sky: LSST dark-sky zenith brightness per band, Ivezic et al. (2019, ApJ 873, 111,
# table 2); exposure: the ten-year number of 30 s visits of the same table.
# HST: the average zodiacal light (V = 22.7 mag per square arcsec, ACS and WFC3
# instrument handbooks) with a solar spectrum, see `_zodiacal_sky`; exposures of the
# order of the GOODS survey's (Giavalisco et al. 2004).
_FILTER_TABLE = (
    ("F435W", "ACS", "ACS_wfc_F435W.dat", 7200.0, None),
    ("F606W", "ACS", "ACS_wfc_F606W.dat", 5000.0, None),
    ("F775W", "ACS", "ACS_wfc_F775W.dat", 5000.0, None),
    ("F814W", "ACS", "ACS_wfc_F814W.dat", 5000.0, None),
    ("F850LP", "ACS", "ACS_wfc_F850LP.dat", 10000.0, None),
    ("u", "LSST", "LSST_u.dat", 56 * 30.0, 22.99),
    ("g", "LSST", "LSST_g.dat", 80 * 30.0, 22.26),
    ("r", "LSST", "LSST_r.dat", 184 * 30.0, 21.20),
    ("i", "LSST", "LSST_i.dat", 184 * 30.0, 20.48),
    ("z", "LSST", "LSST_z.dat", 160 * 30.0, 19.60),
    ("y", "LSST", "LSST_y.dat", 160 * 30.0, 18.61),
)

#: Names of the filters `simulate_field` knows, blue to red per instrument.
SIMULATED_FILTERS = tuple(row[0] for row in _FILTER_TABLE)

# the telescopes: collecting area (cm2) for the photon counts, pixel scale (arcsec),
# the PSF, and the faintest galaxies and stars drawn (reference-band AB mag)
INSTRUMENTS = {
    # HST: 2.4 m primary with a 0.33 central obscuration; the throughput tables are
    # normalised to the unobscured area, as synphot's 45,238.93 cm2. The Airy disc is
    # blurred by a Gaussian of 0.08 arcsec FWHM (detector charge diffusion, pointing
    # jitter, drizzling), which gives about the measured 0.09-0.1 arcsec of ACS/WFC
    "ACS": dict(telescope="HST", instrument="ACS/WFC", area=45238.93, pixel_scale=0.05,
                diameter=2.4, obscuration=0.33, blur=0.08, mag_limit=28.0),
    # Rubin: 6.423 m effective aperture (Ivezic et al. 2019); Kolmogorov seeing of
    # 0.7 arcsec FWHM at 620 nm, scaling as wavelength^-1/5
    "LSST": dict(telescope="Rubin", instrument="LSSTCam", area=np.pi * 321.15 ** 2,
                 pixel_scale=0.2, seeing=0.7, seeing_wavelength=620.0, mag_limit=27.0),
}


def get_filter(name):
    """Return the `Filter` called ``name`` (one of `SIMULATED_FILTERS`).

    Raises
    ------
    ValueError
        If the filter is not known.
    """
    for row in _FILTER_TABLE:
        if row[0] == name:
            return _filter(row)
    if name == REFERENCE_BAND:
        return _filter(("LSST_i", "LSST", "LSST_i.dat", 184 * 30.0, 20.48))
    raise ValueError(f"unknown filter {name!r}; the simulation knows "
                     + ", ".join(SIMULATED_FILTERS))


@functools.lru_cache(maxsize=None)
def _filter(row):
    return Filter(*row)


def import_galsim():
    """Import GalSim, or fail with an `ImportError` that says how to install it."""
    try:
        import galsim
    except ImportError:
        raise ImportError("simulating fields needs GalSim: pip install galsim "
                          "(or pip install astro-colorgan[simulate])") from None
    return galsim


@functools.lru_cache(maxsize=None)
def _read_table(relative_path):
    """The two columns of a table in GalSim's share directory."""
    galsim = import_galsim()

    table = np.loadtxt(os.path.join(galsim.meta_data.share_dir, relative_path))
    return table[:, 0], table[:, 1]


def band_weights(filters):
    """The matrix that turns f_nu on `WAVELENGTHS` into band-averaged f_nu.

    Parameters
    ----------
    filters : list of `Filter`

    Returns
    -------
    weights : `~numpy.ndarray`
        Shape ``(n_filters, n_wavelengths)``: ``weights @ fnu`` is the
        photon-weighted mean f_nu through each filter, in the units of ``fnu``.
    """
    step = np.gradient(WAVELENGTHS)
    weights = np.array([f.throughput / WAVELENGTHS * step for f in filters])
    return weights / weights.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=None)
def _template(name):
    """Rest-frame wavelength (nm) and f_lambda of a Coleman, Wu & Weedman (1980) template."""
    wave, flambda = _read_table(os.path.join("SEDs", f"CWW_{name}_ext.sed"))
    return wave / 10.0, flambda  # the tables are in Angstrom


def _observed(rest_fnu, redshift, ebv):
    """Redshift f_nu given as a function of rest wavelength, with dust and IGM."""
    rest = WAVELENGTHS / (1.0 + redshift)
    fnu = rest_fnu(rest)
    if ebv:
        fnu = fnu * 10.0 ** (-0.4 * ebv * calzetti_attenuation(rest))
    return fnu * madau_transmission(WAVELENGTHS, redshift)


def template_fnu(name, redshift, *, ebv=0.0):
    """Observed f_nu (arbitrary scale) of a CWW template on `WAVELENGTHS`.

    Parameters
    ----------
    name : {'E', 'Sbc', 'Scd', 'Im'}
        Coleman, Wu & Weedman (1980) template, as extended by Bolzonella et al.
        (2000) and shipped with GalSim.
    redshift : float
    ebv : float, optional
        Colour excess E(B-V) of Calzetti et al. (2000) dust in the galaxy's rest frame.
    """
    wave, flambda = _template(name)

    def rest_fnu(rest):
        return np.interp(rest, wave, flambda, left=0.0, right=0.0) * rest ** 2

    return _observed(rest_fnu, redshift, ebv)


#: UV slope beta (f_lambda ∝ λ^beta) of the young star-forming knots.
YOUNG_BETA = -2.0


def young_fnu(redshift, *, ebv=0.0):
    """Observed f_nu of a young stellar population: f_lambda ∝ λ^-2 above the Lyman limit.

    A UV slope beta = -2 is typical of unreddened star-forming regions
    (Calzetti et al. 1994; Meurer et al. 1999); no light escapes below 91.2 nm.
    """
    def rest_fnu(rest):
        return np.where(rest > _LYMAN_LIMIT, rest ** (YOUNG_BETA + 2.0), 0.0)

    return _observed(rest_fnu, redshift, ebv)


def blackbody_fnu(temperature):
    """f_nu (arbitrary scale) of a black body of ``temperature`` (K) on `WAVELENGTHS`."""
    hc_over_k = 1.438777e7  # nm K
    return WAVELENGTHS ** -3 / np.expm1(hc_over_k / (WAVELENGTHS * temperature))


def calzetti_attenuation(wavelength):
    """k(λ) = A_λ / E(B-V) of Calzetti et al. (2000, ApJ 533, 682), R_V = 4.05.

    ``wavelength`` in nm (rest frame). Below 120 nm the curve is extended
    linearly with the slope it has at 120-125 nm; above 2.2 micron it is
    clipped at zero.
    """
    micron = np.asarray(wavelength, dtype=float) / 1000.0

    def blue(x):
        return 2.659 * (-2.156 + 1.509 / x - 0.198 / x ** 2 + 0.011 / x ** 3) + 4.05

    def red(x):
        return 2.659 * (-1.857 + 1.040 / x) + 4.05

    k = np.where(micron >= 0.63, red(micron), blue(np.maximum(micron, 0.12)))
    slope = (blue(0.125) - blue(0.12)) / 0.005
    k = np.where(micron < 0.12, blue(0.12) + slope * (micron - 0.12), k)
    return np.maximum(k, 0.0)


# Lyman-series lines (nm) and their coefficients in Madau (1995, ApJ 441, 18), eq. 15
_LYMAN_SERIES = ((121.567, 3.6e-3), (102.572, 1.7e-3), (97.254, 1.2e-3), (94.974, 9.3e-4))


def madau_transmission(wavelength, redshift):
    """Mean transmission of the intergalactic medium, Madau (1995).

    Line blanketing by the Lyman series (eq. 15) and photoelectric absorption
    below the Lyman limit (the approximation of eq. 16 given in the footnote),
    for observed ``wavelength`` (nm) and a source at ``redshift``.
    """
    wavelength = np.asarray(wavelength, dtype=float)
    tau = np.zeros_like(wavelength)
    for line, coefficient in _LYMAN_SERIES:
        tau += np.where(wavelength < line * (1.0 + redshift),
                        coefficient * (wavelength / line) ** 3.46, 0.0)
    xc = np.clip(wavelength / _LYMAN_LIMIT, 1.0, None)
    xe = 1.0 + redshift
    continuum = (0.25 * xc ** 3 * (xe ** 0.46 - xc ** 0.46)
                 + 9.4 * xc ** 1.5 * (xe ** 0.18 - xc ** 0.18)
                 - 0.7 * xc ** 3 * (xc ** -1.32 - xe ** -1.32)
                 - 0.023 * (xe ** 1.68 - xc ** 1.68))
    tau += np.where(wavelength < _LYMAN_LIMIT * xe, continuum, 0.0)
    return np.exp(-tau)


#: Zodiacal light: V = 22.7 AB mag per square arcsec, with the Sun's colour.
_ZODIACAL_V = 22.7


def zodiacal_sky(filters):
    """Sky brightness (AB mag per square arcsec) of the average zodiacal light in ``filters``.

    A 5,800 K black body (the solar spectrum, to the precision needed here)
    scaled to 22.7 AB mag per square arcsec at 550 nm.
    """
    fnu = blackbody_fnu(5800.0)
    at_v = np.interp(550.0, WAVELENGTHS, fnu)
    band = band_weights(filters) @ fnu
    return _ZODIACAL_V - 2.5 * np.log10(band / at_v)

