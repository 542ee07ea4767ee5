"""Generate the sample FITS files shipped with the package (deterministic).

Run ``python -m astro_colorgan.data._make_samples [FOLDER]`` to rewrite
``sample_g.fits``, ``sample_r.fits``, ``sample_i.fits`` (one field in three
filters, each on its own pixel grid) and ``sample_single.fits`` (one band of
another field) in ``FOLDER`` (by default, this package folder).

The scenes are made with astropy models (`~astropy.modeling.functional_models.Sersic2D`
for galaxies, `~astropy.modeling.functional_models.Gaussian2D` for stars and
star-forming knots), placed on the sky and drawn through each filter's TAN
WCS, convolved with a Gaussian PSF, with a sky level, a gentle gradient and
Gaussian noise. Values are surface brightnesses (MJy/sr), so images with
different pixel scales agree after reprojection.
"""

import os
import sys

import numpy as np
from astropy.convolution import Gaussian2DKernel, convolve_fft
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.modeling.functional_models import Gaussian2D, Sersic2D
from astropy.wcs import WCS
from astropy import units as u

__all__ = ["make_filter_image", "make_samples", "tan_wcs"]

SHAPE = (256, 256)

#: the multi-filter field: centre of the main galaxy (ICRS, degrees)
FIELD = (150.1163, 2.2058)
#: the single-band field
SINGLE_FIELD = (189.2071, 62.2161)

#: per filter: pixel scale (arcsec), rotation (deg), grid centre offset (arcsec E, N),
#: PSF FWHM (arcsec), sky level, noise (MJy/sr)
FILTERS = {
    "g": dict(scale=0.20, rotation=0.0, offset=(1.5, -1.0), fwhm=0.80, sky=0.30, noise=0.012),
    "r": dict(scale=0.24, rotation=14.0, offset=(-2.0, 1.2), fwhm=0.75, sky=0.55, noise=0.012),
    "i": dict(scale=0.28, rotation=-17.0, offset=(0.8, 2.5), fwhm=0.70, sky=0.80, noise=0.014),
}


def tan_wcs(centre, scale, rotation, shape=SHAPE):
    """Return a north-up-then-rotated TAN WCS.

    Parameters
    ----------
    centre : tuple of float
        RA, Dec (degrees) of the image centre.
    scale : float
        Pixel scale in arcsec.
    rotation : float
        Rotation of the grid, degrees counter-clockwise from north up, east left.
    shape : tuple of int
        Image shape ``(ny, nx)``.

    Returns
    -------
    wcs : `~astropy.wcs.WCS`
    """
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.crval = list(centre)
    wcs.wcs.crpix = [(shape[1] + 1) / 2, (shape[0] + 1) / 2]
    angle = np.radians(rotation)
    step = scale / 3600.0
    wcs.wcs.cd = step * np.array([[-np.cos(angle), np.sin(angle)],
                                  [np.sin(angle), np.cos(angle)]])
    wcs.wcs.radesys = "ICRS"
    wcs.pixel_shape = (shape[1], shape[0])
    return wcs


def _offset(centre, east, north):
    """The sky position ``east``, ``north`` arcsec from ``centre``."""
    return SkyCoord(*centre, unit="deg").spherical_offsets_by(east * u.arcsec, north * u.arcsec)


def _pixel_ellipse(wcs, position, position_angle, scale):
    """Pixel centre and orientation (radians, from +x) of a sky ellipse."""
    x, y = wcs.world_to_pixel(position)
    tip = position.directional_offset_by(position_angle * u.deg, 1 * u.arcsec)
    xt, yt = wcs.world_to_pixel(tip)
    return float(x), float(y), float(np.arctan2(yt - y, xt - x))


def _scene(centre, band_fluxes, seed):
    """The sources of a field: a list of (kind, sky position, parameters, fluxes by band)."""
    rng = np.random.default_rng(seed)
    sources = []
    # a spiral: red bulge, bluer disc and blue star-forming knots along two arms
    sources.append(("sersic", _offset(centre, 0, 0), dict(r_eff=1.0, n=3.0, ellip=0.15, pa=35),
                    band_fluxes(0.9, 1.8, 2.6)))
    sources.append(("sersic", _offset(centre, 0, 0), dict(r_eff=5.0, n=1.0, ellip=0.45, pa=35),
                    band_fluxes(0.20, 0.22, 0.22)))
    for arm in (0, np.pi):
        for step in range(12):
            phi = arm + 0.5 * step
            radius = 2.0 + 0.9 * step
            east, north = radius * np.cos(phi), 0.55 * radius * np.sin(phi)
            pa = np.radians(35)
            east, north = (east * np.cos(pa) + north * np.sin(pa),
                           -east * np.sin(pa) + north * np.cos(pa))
            strength = 0.3 * rng.uniform(0.5, 1.5)
            sources.append(("knot", _offset(centre, east, north), dict(sigma=0.35),
                            band_fluxes(strength, 0.55 * strength, 0.3 * strength)))
    # a small red elliptical in the background
    sources.append(("sersic", _offset(centre, -14.0, 11.0), dict(r_eff=1.2, n=4.0, ellip=0.3,
                                                                   pa=-50),
                    band_fluxes(0.15, 0.45, 0.8)))
    # stars of various colours, away from the image edges
    for _ in range(14):
        east, north = rng.uniform(-20, 20, 2)
        if np.hypot(east, north) < 8:
            continue
        colour = rng.uniform(0.3, 2.2)
        flux = 10 ** rng.uniform(0.0, 1.5)
        sources.append(("star", _offset(centre, east, north), {},
                        band_fluxes(flux, flux * colour ** 0.5, flux * colour)))
    return sources


def make_filter_image(sources, band, wcs, *, fwhm, sky, noise, seed, shape=SHAPE):
    """Draw ``sources`` in ``band`` through ``wcs``: PSF, sky, gradient and noise.

    Returns
    -------
    data : `~numpy.ndarray`
        Float32 image of shape ``shape``, in MJy/sr.
    """
    scale = float(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix)))) * 3600
    y, x = np.mgrid[: shape[0], : shape[1]].astype(float)
    image = np.zeros(shape)
    stars = np.zeros(shape)
    for kind, position, params, fluxes in sources:
        flux = fluxes[band]
        if kind == "sersic":
            x0, y0, theta = _pixel_ellipse(wcs, position, params["pa"], scale)
            model = Sersic2D(amplitude=flux, r_eff=params["r_eff"] / scale, n=params["n"],
                             x_0=x0, y_0=y0, ellip=params["ellip"], theta=theta)
            image += model(x, y)
        elif kind == "knot":
            x0, y0 = (float(v) for v in wcs.world_to_pixel(position))
            sigma = params["sigma"] / scale
            image += Gaussian2D(flux, x0, y0, sigma, sigma)(x, y)
        else:
            x0, y0 = (float(v) for v in wcs.world_to_pixel(position))
            sigma = fwhm / 2.3548 / scale
            # stars are points: drawn with the PSF directly, amplitude from the total flux
            stars += Gaussian2D(flux / (2 * np.pi * sigma**2), x0, y0, sigma, sigma)(x, y)
    kernel = Gaussian2DKernel(fwhm / 2.3548 / scale)
    image = convolve_fft(image, kernel, boundary="fill", normalize_kernel=True) + stars
    rng = np.random.default_rng(seed)
    gradient = 0.04 * sky * ((x - shape[1] / 2) / shape[1] + 0.5 * (y - shape[0] / 2) / shape[0])
    image += sky + gradient + rng.normal(0.0, noise, shape)
    return image.astype(np.float32)


def _hdu(data, wcs, band, obj):
    header = wcs.to_header()
    header["FILTER"] = (band, "filter name")
    header["BUNIT"] = ("MJy/sr", "surface brightness")
    header["OBJECT"] = (obj, "synthetic scene")
    header["ORIGIN"] = ("astro_colorgan", "made by astro_colorgan.data._make_samples")
    header["COMMENT"] = "Synthetic image: Sersic galaxies, Gaussian stars, sky and noise."
    return fits.PrimaryHDU(data=data, header=header)


def make_samples(folder=None):
    """Write the four sample files to ``folder`` and return their paths."""
    folder = folder or os.path.dirname(os.path.abspath(__file__))
    paths = []

    def fluxes(g, r, i):
        return {"g": g, "r": r, "i": i}

    sources = _scene(FIELD, fluxes, seed=20240601)
    for seed, (band, spec) in enumerate(FILTERS.items(), start=1):
        centre = _offset(FIELD, *spec["offset"])
        wcs = tan_wcs((centre.ra.deg, centre.dec.deg), spec["scale"], spec["rotation"])
        data = make_filter_image(sources, band, wcs, fwhm=spec["fwhm"], sky=spec["sky"],
                                 noise=spec["noise"], seed=seed)
        path = os.path.join(folder, f"sample_{band}.fits")
        _hdu(data, wcs, band, "sample galaxy field").writeto(path, overwrite=True)
        paths.append(path)

    single = _scene(SINGLE_FIELD, lambda g, r, i: {"r": r}, seed=31415)
    wcs = tan_wcs(SINGLE_FIELD, 0.2, 8.0)
    data = make_filter_image(single, "r", wcs, fwhm=0.75, sky=0.5, noise=0.012, seed=7)
    path = os.path.join(folder, "sample_single.fits")
    _hdu(data, wcs, "r", "sample single-band field").writeto(path, overwrite=True)
    paths.append(path)
    return paths


if __name__ == "__main__":
    for written in make_samples(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written)
