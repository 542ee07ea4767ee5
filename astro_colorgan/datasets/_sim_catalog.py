"""The objects of a simulated field: a random population, or a catalogue given by the user.

A catalogue is an `~astropy.table.Table` with one row per object; `CATALOG_COLUMNS`
lists its columns. Magnitudes are AB in the reference band (LSST i), sizes are
half-light radii in arcsec, angles in degrees.

The random population follows published relations:

* galaxy number counts N(<i) = 46 × 10^(0.31 (i - 25)) per square arcmin
  (LSST Science Book 2009, eq. 3.7), extrapolated beyond i = 25.3;
* redshifts from p(z | i) ∝ z² exp(-z / z0), z0 = 0.0417 i - 0.744 (LSST
  Science Book, eq. 3.8), cut at z = 3;
* disc scale lengths r_d whose median follows ln(r_d / arcsec) = -1.145 -
  0.269 (i - 23) (Miller et al. 2013, MNRAS 429, 2858, from the HST sizes of
  Simard et al. 2002), spread as p(r) ∝ r exp(-(r / a)^(4/3)); bulges of
  spirals have r_e = 0.22 r_d (Graham & Worley 2008), ellipticals half the
  half-light radius of a disc of their magnitude (van der Wel et al. 2014);
* stars: N(<i) = 0.4 × 10^(0.1 (i - 21)) per square arcmin, the order of the
  counts at high Galactic latitude (about 1,500 per square degree to i = 21,
  SDSS, Juric et al. 2008; about 2 per square arcmin to i ≈ 28 in the Hubble
  Ultra Deep Field, Pirzkal et al. 2005), mostly cool dwarfs.
"""

import numpy as np
from astropy.table import Table

__all__ = ["CATALOG_COLUMNS", "GALAXY_TYPES", "random_catalog", "complete_catalog"]

#: Columns of a catalogue: name -> (dtype, default; `None` where it must be given).
CATALOG_COLUMNS = {
    "kind": (str, None),            # 'galaxy' or 'star'
    "x": (float, None),             # pixel position, 0-based (NumPy/astropy convention)
    "y": (float, None),
    "i_mag": (float, None),         # AB magnitude in the reference band (LSST i)
    "redshift": (float, 0.0),
    "disk_sed": (str, ""),          # 'Sbc', 'Scd' or 'Im' ('' without a disc)
    "bulge_fraction": (float, 0.0),  # of the reference-band flux, in an E-SED bulge
    "bulge_hlr": (float, 0.0),      # arcsec
    "bulge_q": (float, 1.0),        # axis ratio
    "disk_hlr": (float, 0.0),       # face-on half-light radius, arcsec
    "inclination": (float, 0.0),    # deg, 0 is face on
    "position_angle": (float, 0.0),  # deg, of the major axis, east of north
    "knot_fraction": (float, 0.0),  # of the reference-band flux, in young star-forming knots
    "n_knots": (int, 0),
    "ebv": (float, 0.0),            # Calzetti E(B-V) of the disc and knots
    "temperature": (float, 0.0),    # K, stars
    "seed": (int, 0),               # of the knots' positions
}

#: Galaxy types of the random population: (disc SED, probability, bulge fraction
#: range, knot fraction range), roughly the morphological mix of deep HST counts.
GALAXY_TYPES = (
    ("", 0.20, (1.0, 1.0), (0.0, 0.0)),          # elliptical: an E-SED spheroid
    ("Sbc", 0.30, (0.1, 0.4), (0.0, 0.15)),
    ("Scd", 0.30, (0.0, 0.15), (0.05, 0.25)),
    ("Im", 0.20, (0.0, 0.0), (0.15, 0.40)),
)

_BRIGHTEST_GALAXY = 18.0
_BRIGHTEST_STAR = 18.0
_MAX_REDSHIFT = 3.0
_DISK_HLR_PER_SCALE_LENGTH = 1.678


def _power_law_magnitudes(rng, n, slope, bright, faint):
    """``n`` magnitudes with dN/dm ∝ 10^(slope m) between ``bright`` and ``faint``."""
    low, high = 10.0 ** (slope * bright), 10.0 ** (slope * faint)
    return np.log10(low + rng.uniform(size=n) * (high - low)) / slope


def _count(rng, amplitude, slope, pivot, bright, faint, area):
    """Poisson number of objects with N(<m) = amplitude 10^(slope (m - pivot)) per arcmin2."""
    expected = amplitude * (10.0 ** (slope * (faint - pivot)) - 10.0 ** (slope * (bright - pivot)))
    return rng.poisson(max(expected, 0.0) * area)


def _redshifts(rng, i_mag):
    """LSST Science Book n(z): z0 Gamma(3), redrawn above z = 3."""
    z0 = np.clip(0.0417 * i_mag - 0.744, 0.02, None)
    z = z0 * rng.gamma(3.0, size=len(i_mag))
    while np.any(bad := (z > _MAX_REDSHIFT) | (z < 0.005)):
        z[bad] = z0[bad] * rng.gamma(3.0, size=int(bad.sum()))
    return z


def _scale_lengths(rng, i_mag):
    """Disc scale lengths (arcsec) around the Miller et al. (2013) median."""
    median = np.exp(-1.145 - 0.269 * (i_mag - 23.0))
    # p(r) ∝ r exp(-(r/a)^(4/3)): (r/a)^(4/3) is Gamma(3/2); its median sets a
    shape = rng.gamma(1.5, size=len(i_mag)) ** 0.75
    return median * shape / 1.18300 ** 0.75


def random_catalog(rng, *, shape, pixel_scale, mag_limit, dust=True, stars=True, margin=1.0):
    """Draw the galaxies and stars of one field.

    Parameters
    ----------
    rng : `numpy.random.Generator`
    shape : tuple of int
        ``(ny, nx)`` of the field.
    pixel_scale : float
        Arcsec per pixel.
    mag_limit : float
        Faintest reference-band magnitude drawn.
    dust : bool, optional
        Whether discs get Calzetti dust (E(B-V) exponential, mean 0.1, at most 0.5).
    stars : bool, optional
        Whether to draw stars.
    margin : float, optional
        Objects are placed up to this many arcsec outside the field too, so that
        the light of those near an edge spills in.

    Returns
    -------
    catalog : `~astropy.table.Table`
        The columns of `CATALOG_COLUMNS` without ``ra`` and ``dec``.
    """
    ny, nx = shape
    pad = margin / pixel_scale
    area = (nx + 2 * pad) * (ny + 2 * pad) * (pixel_scale / 60.0) ** 2  # arcmin2
    n_gal = _count(rng, 46.0, 0.31, 25.0, _BRIGHTEST_GALAXY, mag_limit, area)
    n_star = _count(rng, 0.4, 0.1, 21.0, _BRIGHTEST_STAR, mag_limit, area) if stars else 0
    n = n_gal + n_star
    columns = {name: np.full(n, default if default is not None else 0, dtype=dtype)
               for name, (dtype, default) in CATALOG_COLUMNS.items()}
    columns["kind"] = np.array(["galaxy"] * n_gal + ["star"] * n_star, dtype="U6")
    columns["disk_sed"] = np.full(n, "", dtype="U3")
    columns["x"] = rng.uniform(-pad, nx - 1 + pad, n)
    columns["y"] = rng.uniform(-pad, ny - 1 + pad, n)
    columns["seed"] = rng.integers(1, 2 ** 31 - 1, n)
    gal = slice(0, n_gal)

    i_gal = _power_law_magnitudes(rng, n_gal, 0.31, _BRIGHTEST_GALAXY, mag_limit)
    columns["i_mag"][gal] = i_gal
    columns["redshift"][gal] = _redshifts(rng, i_gal)
    types = rng.choice(len(GALAXY_TYPES), size=n_gal, p=[t[1] for t in GALAXY_TYPES])
    scale_length = _scale_lengths(rng, i_gal)
    for index, (disk_sed, _, bulge_range, knot_range) in enumerate(GALAXY_TYPES):
        rows = np.flatnonzero(types == index)
        columns["disk_sed"][rows] = disk_sed
        columns["bulge_fraction"][rows] = rng.uniform(*bulge_range, len(rows))
        columns["knot_fraction"][rows] = rng.uniform(*knot_range, len(rows))
        if disk_sed:
            columns["bulge_hlr"][rows] = 0.22 * scale_length[rows]
            columns["disk_hlr"][rows] = _DISK_HLR_PER_SCALE_LENGTH * scale_length[rows]
            columns["bulge_q"][rows] = rng.uniform(0.6, 1.0, len(rows))
        else:
            columns["bulge_hlr"][rows] = 0.5 * _DISK_HLR_PER_SCALE_LENGTH * scale_length[rows]
            columns["bulge_q"][rows] = rng.uniform(0.4, 1.0, len(rows))
    has_knots = columns["knot_fraction"][gal] > 0
    columns["n_knots"][gal] = np.where(has_knots, rng.integers(5, 16, n_gal), 0)
    # isotropic orientations: cos(i) uniform
    columns["inclination"][gal] = np.degrees(np.arccos(rng.uniform(0.0, 1.0, n_gal)))
    columns["position_angle"][gal] = rng.uniform(0.0, 180.0, n_gal)
    if dust:
        with_disk = columns["disk_sed"][gal] != ""
        ebv = np.minimum(rng.exponential(0.1, n_gal), 0.5)
        columns["ebv"][gal] = np.where(with_disk, ebv, 0.0)

    stars_ = slice(n_gal, n)
    columns["i_mag"][stars_] = _power_law_magnitudes(rng, n_star, 0.1, _BRIGHTEST_STAR,
                                                     mag_limit)
    # p(T) ∝ T^-2.5 between 3,000 and 30,000 K: mostly K and M dwarfs
    u = rng.uniform(size=n_star)
    low, high = 3000.0 ** -1.5, 30000.0 ** -1.5
    columns["temperature"][stars_] = (low + u * (high - low)) ** (-1.0 / 1.5)
    catalog = Table(columns)
    catalog.add_column(np.arange(n), name="id", index=0)
    return catalog


def complete_catalog(catalog):
    """Check a catalogue given by the user and fill its optional columns.

    Parameters
    ----------
    catalog : `~astropy.table.Table`, list of dict or dict of columns
        At least ``kind``, ``x``, ``y`` and ``i_mag``; galaxies need
        ``redshift``, ``bulge_fraction`` and the sizes and SED of the
        components they have, stars a ``temperature``.

    Returns
    -------
    catalog : `~astropy.table.Table`
        A new table with every column of `CATALOG_COLUMNS` (and ``id``).

    Raises
    ------
    ValueError
        If a required column is missing or a value is out of range.
    """
    if isinstance(catalog, (list, tuple)):
        table = Table(rows=catalog) if len(catalog) else Table(
            {name: np.zeros(0, dtype) for name, (dtype, _) in CATALOG_COLUMNS.items()})
    else:
        table = Table(catalog)
    missing = [name for name, (_, default) in CATALOG_COLUMNS.items()
               if default is None and name not in table.colnames]
    if missing:
        raise ValueError("the catalogue lacks the column(s) " + ", ".join(missing))
    n = len(table)
    out = Table()
    out["id"] = np.asarray(table["id"]) if "id" in table.colnames else np.arange(n)
    for name, (dtype, default) in CATALOG_COLUMNS.items():
        values = table[name] if name in table.colnames else np.full(n, default)
        out[name] = np.asarray(values).astype(dtype)
    _check_catalog(out)
    return out


def _check_catalog(table):
    kinds = set(table["kind"])
    if not kinds <= {"galaxy", "star"}:
        raise ValueError("kind must be 'galaxy' or 'star', not "
                         + ", ".join(sorted(kinds - {"galaxy", "star"})))
    galaxy = table["kind"] == "galaxy"
    star = ~galaxy
    problems = []
    if np.any((table["redshift"][galaxy] < 0) | (table["redshift"][galaxy] > 6)):
        problems.append("redshift must be between 0 and 6")
    fraction = table["bulge_fraction"] + table["knot_fraction"]
    if np.any((table["bulge_fraction"] < 0) | (table["knot_fraction"] < 0)
              | (galaxy & (fraction > 1))):
        problems.append("bulge_fraction and knot_fraction must be >= 0 and add up to at most 1")
    has_bulge = galaxy & (table["bulge_fraction"] > 0)
    has_disk = galaxy & (table["bulge_fraction"] < 1)
    if np.any(table["bulge_hlr"][has_bulge] <= 0):
        problems.append("galaxies with a bulge need bulge_hlr > 0")
    if np.any(table["disk_hlr"][has_disk] <= 0):
        problems.append("galaxies with a disc (bulge_fraction < 1) need disk_hlr > 0")
    bad_sed = set(table["disk_sed"][has_disk]) - {"Sbc", "Scd", "Im"}
    if bad_sed:
        problems.append(f"disk_sed must be 'Sbc', 'Scd' or 'Im', not {sorted(bad_sed)}")
    if np.any((table["bulge_q"][has_bulge] <= 0) | (table["bulge_q"][has_bulge] > 1)):
        problems.append("bulge_q must be in (0, 1]")
    if np.any((table["inclination"] < 0) | (table["inclination"] > 90)):
        problems.append("inclination must be between 0 and 90 degrees")
    if np.any(galaxy & (table["knot_fraction"] > 0) & (table["n_knots"] < 1)):
        problems.append("galaxies with knot_fraction > 0 need n_knots >= 1")
    if np.any(table["ebv"] < 0):
        problems.append("ebv must be >= 0")
    if np.any((table["temperature"][star] < 1000) | (table["temperature"][star] > 100000)):
        problems.append("stars need a temperature between 1,000 and 100,000 K")
    if problems:
        raise ValueError("invalid catalogue: " + "; ".join(problems))
