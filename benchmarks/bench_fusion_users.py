"""Benchmark: guided colour on the users' path, against the same case with the luminance given.

Each simulated field of three filters (``astro-colorize simulate --no-noise``;
FITS images in nJy with a celestial WCS, blue to red, sky included) is the
truth, observed as an astrophotographer's LRGB set:

* the deep frame: the sum of the three filters' images at full resolution
  (a clear filter) with Gaussian noise of ``DEPTH`` times the 99.5th
  percentile of its sky-free flux (the depth of the evaluation's Wald case);
* the colour frames: each filter blurred to a PSF twice as broad (a Gaussian
  of √3 px), block-averaged 4× with `astro_colorgan.io.block_average` (and its
  WCS), with noise 4× the deep frame's over the same area of sky.

``users`` is `astro_colorgan.Colorizer` with its defaults on those FITS HDUs
(sky subtraction, weights fitted, reprojection by WCS, Lupton display).
``given`` is the classical fusion of the same frames with the luminance given
exactly (the true bands' Rec. 709 luma, sky-free) and the PSF known. The truth is
the field's own sky-subtracted bands. All three are shown with the same
colour-preserving Lupton display (`astro_colorgan.colorize._guided.display_bands`);
ΔE00 on coloured pixels is reported with the paired difference users − given.

Usage: ``python benchmarks/bench_fusion_users.py FIELDS_DIR [--model FUSION_MODEL]``.
"""

import argparse
import os

import numpy as np

__all__ = ["observe", "main"]

#: The degradation: PSF ratio, binning, how much noisier the colour frames are.
CASE = {"ratio": 2.0, "factor": 4, "shallower": 4.0}
#: The deep frame's noise relative to the 99.5th percentile of its flux.
DEPTH = 10 ** -2.75


def observe(images, rng):
    """The deep frame and the colour frames (HDUs) of a field's filter images, and the truth.

    Parameters
    ----------
    images : list of `~astropy.io.fits.ImageHDU`
        The field's filter images, blue to red.
    rng : `numpy.random.Generator`

    Returns
    -------
    deep : `~astropy.io.fits.ImageHDU`
    frames : list of `~astropy.io.fits.ImageHDU`
    truth : `numpy.ndarray`
        ``(3, ny, nx)`` the sky-subtracted bands R, G, B.
    """
    from astropy.io import fits
    from astropy.wcs import WCS
    from scipy.ndimage import gaussian_filter

    from astro_colorgan.io import block_average

    wcs = WCS(images[0].header).celestial
    data = [np.asarray(h.data, np.float64) for h in images]
    clean = sum(data)
    sigma_deep = DEPTH * float(np.percentile(clean - np.median(clean), 99.5))
    deep = clean + rng.normal(0, sigma_deep, clean.shape)
    f = CASE["factor"]
    frames = []
    for hdu, band in zip(images, data):
        blurred = gaussian_filter(band, np.sqrt(CASE["ratio"] ** 2 - 1.0), mode="nearest")
        small, small_wcs = block_average(blurred, f, wcs=wcs)
        small = small + rng.normal(0, CASE["shallower"] * sigma_deep / f, small.shape)
        header = small_wcs.to_header()
        header["FILTER"] = hdu.header.get("FILTER", "")
        frames.append(fits.ImageHDU(small.astype(np.float32), header))
    header = wcs.to_header()
    deep_hdu = fits.ImageHDU(deep.astype(np.float32), header)
    truth = np.stack([b - np.median(b) for b in data[::-1]])
    return deep_hdu, frames, truth


def _given(truth, frames):
    """The classical fusion with the luminance given exactly and the PSF known."""
    import torch

    from astro_colorgan.colorspace import LUMA_WEIGHTS
    from astro_colorgan.fusion import fuse
    from astro_colorgan.fusion._high_level import frame_noise

    t = torch.from_numpy(truth.astype(np.float32))[None]
    w = torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
    luma = (w * t).sum(1, keepdim=True)
    planes = np.stack([np.asarray(h.data, np.float64) for h in frames[::-1]])
    planes = planes - np.median(planes, axis=(1, 2), keepdims=True)
    small = torch.from_numpy(planes.astype(np.float32))[None]
    noise = frame_noise(planes[1])  # the frames' noise, as the colorizer estimates it
    fused = fuse(luma, small, LUMA_WEIGHTS, sigma=float(np.sqrt(CASE["ratio"] ** 2 - 1.0)),
                 softening=2 * noise, noise=noise)
    return fused[0].numpy()


def main(args=None):
    from astro_colorgan import Colorizer
    from astro_colorgan.colorize._guided import display_bands
    from astro_colorgan.datasets._sim_field import read_simulated_field
    from astro_colorgan.evaluation import image_metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fields", help="folder of simulated fields (field_0000, ...)")
    parser.add_argument("--model", default=None, help="fusion model (default: the shipped one)")
    opts = parser.parse_args(args)
    colorizer = Colorizer(device="cpu", fusion=opts.model)
    rng = np.random.default_rng(0)
    rows = []
    for name in sorted(os.listdir(opts.fields)):
        path = os.path.join(opts.fields, name)
        if not os.path.isdir(path):
            continue
        deep, frames, truth = observe(read_simulated_field(path).images, rng)
        shown = np.moveaxis(display_bands(truth, Q=colorizer.Q), 0, -1)
        users = colorizer.colorize(deep, colour=frames).rgb
        given = np.moveaxis(display_bands(_given(truth, frames), Q=colorizer.Q), 0, -1)
        row = [image_metrics(shown, np.nan_to_num(p))["de00_coloured"] for p in (users, given)]
        rows.append(row)
        print(f"{name}: users {row[0]:.2f}  given {row[1]:.2f}")
    a = np.array(rows)
    diff = a[:, 0] - a[:, 1]
    print(f"\n{len(a)} fields: users {a[:, 0].mean():.2f}, luminance given {a[:, 1].mean():.2f}; "
          f"users - given {diff.mean():+.2f} ± {diff.std(ddof=1) / np.sqrt(len(diff)):.2f}")
    return a


if __name__ == "__main__":
    main()
