"""Synthetic star fields on different pixel grids, for the alignment and composite tests."""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from scipy.special import erf

from astro_colorgan.data._make_samples import tan_wcs

__all__ = ["FIELD_CENTRE", "tan_wcs", "star_positions", "render_stars", "three_filter_field",
           "measure_centroids"]

FIELD_CENTRE = (150.1, 2.2)


def star_positions(n, radius, *, seed=0, centre=FIELD_CENTRE, min_separation=3.0):
    """``n`` sky positions within ``radius`` arcsec of ``centre``, at least ``min_separation`` apart."""
    rng = np.random.default_rng(seed)
    offsets = []
    while len(offsets) < n:
        candidate = rng.uniform(-radius, radius, 2)
        if all(np.hypot(*(candidate - other)) >= min_separation for other in offsets):
            offsets.append(candidate)
    offsets = np.array(offsets)
    centre = SkyCoord(*centre, unit="deg")
    return centre.spherical_offsets_by(offsets[:, 0] * u.arcsec, offsets[:, 1] * u.arcsec)


def render_stars(wcs, shape, positions, fluxes, *, fwhm, sky=0.0, noise=0.0, seed=0):
    """Pixel-integrated circular Gaussian stars (``fwhm`` in arcsec) drawn through ``wcs``."""
    scale = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    sigma = fwhm / 2.3548 / scale
    image = np.full(shape, float(sky))
    xs, ys = wcs.world_to_pixel(positions)
    half = int(np.ceil(6 * sigma))
    for x0, y0, flux in zip(np.atleast_1d(xs), np.atleast_1d(ys), fluxes):
        ix, iy = int(round(float(x0))), int(round(float(y0)))
        x = np.arange(max(ix - half, 0), min(ix + half + 1, shape[1]))
        y = np.arange(max(iy - half, 0), min(iy + half + 1, shape[0]))
        if x.size == 0 or y.size == 0:
            continue
        fx = 0.5 * (erf((x + 0.5 - x0) / (np.sqrt(2) * sigma))
                    - erf((x - 0.5 - x0) / (np.sqrt(2) * sigma)))
        fy = 0.5 * (erf((y + 0.5 - y0) / (np.sqrt(2) * sigma))
                    - erf((y - 0.5 - y0) / (np.sqrt(2) * sigma)))
        image[y[0]: y[-1] + 1, x[0]: x[-1] + 1] += flux * np.outer(fy, fx)
    if noise:
        image += np.random.default_rng(seed).normal(0.0, noise, shape)
    return image.astype(np.float32)


#: three filters (blue to red): pixel scale (arcsec), rotation (deg), grid shift (arcsec), shape
FILTER_GRIDS = (
    dict(scale=0.20, rotation=0.0, shift=(0.0, 0.0), shape=(120, 130)),
    dict(scale=0.26, rotation=15.0, shift=(1.3, -0.9), shape=(100, 96)),
    dict(scale=0.31, rotation=-18.0, shift=(-1.1, 1.7), shape=(84, 90)),
)


def three_filter_field(*, n_stars=16, fwhm=1.0, noise=0.02, sky=(0.0, 0.0, 0.0), seed=3):
    """Three ``(data, wcs)`` filters of one star field on different grids, and the star positions."""
    positions = star_positions(n_stars, 8.0, seed=seed)
    fluxes = np.random.default_rng(seed).uniform(20, 60, n_stars)
    filters = []
    centre = SkyCoord(*FIELD_CENTRE, unit="deg")
    for index, grid in enumerate(FILTER_GRIDS):
        shifted = centre.spherical_offsets_by(grid["shift"][0] * u.arcsec,
                                              grid["shift"][1] * u.arcsec)
        wcs = tan_wcs((shifted.ra.deg, shifted.dec.deg), grid["scale"], grid["rotation"],
                      grid["shape"])
        # colour: each star has its own flux ratio between filters
        colour = np.linspace(0.6, 1.6, n_stars) ** (index - 1)
        data = render_stars(wcs, grid["shape"], positions, fluxes * colour, fwhm=fwhm,
                            sky=sky[index], noise=noise, seed=seed + index)
        filters.append((data, wcs))
    return filters, positions


def measure_centroids(image, xy, *, half=5):
    """Gaussian-fit centroids of the sources near pixel positions ``xy`` (``(n, 2)``) of ``image``."""
    from photutils.centroids import centroid_2dg

    out = []
    for x, y in xy:
        ix, iy = int(round(x)), int(round(y))
        cutout = image[iy - half: iy + half + 1, ix - half: ix + half + 1]
        cx, cy = centroid_2dg(cutout - np.nanmin(cutout))
        out.append((ix - half + cx, iy - half + cy))
    return np.array(out)
