"""Benchmark: ``astro_colorgan.stack`` against APLpy on three 4096 x 4096 filters.

Three star fields of the same sky, each 4096 x 4096 float32 on its own grid
(pixel scales 0.20/0.22/0.24 arcsec, rotations 0/+15/-12 degrees, shifts), are
written to FITS files. Each method then runs in a fresh Python process, which
reports its wall time and peak memory (``ru_maxrss``):

* ``astro_colorgan``: ``stack(files)`` with its defaults (sky subtraction,
  alignment on the finest grid, linked asinh stretch), writing the
  ``(3, ny, nx)`` FITS cube and a PNG with AVM tags;
* APLpy: ``aplpy.make_rgb_cube(files, cube)`` then ``aplpy.make_rgb_image(cube, png)``.

Alignment accuracy is measured on the FITS cubes: Gaussian-fit centroids of
the 150 brightest isolated stars in each plane, compared between planes and
with the positions the cube's WCS gives for the stars' true sky coordinates.
APLpy's cube holds linear reprojected data; ours holds the stretched colour
image, whose saturated star cores (flat, by design of the hue-preserving
asinh stretch) make Gaussian fits noisy. So ``stack`` is also run (untimed for
the comparison) with ``stretch="linear", interval=MinMaxInterval()``: the same
reprojection, measured on linear data like APLpy's.

Usage: ``python benchmarks/bench_stack.py [--size 4096] [--workdir DIR] [--keep]``
(needs ``pip install aplpy``).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

__all__ = ["make_inputs", "main"]

GRIDS = (  # blue to red: scale (arcsec), rotation (deg), shift of the centre (arcsec)
    dict(band="g", scale=0.20, rotation=0.0, shift=(0.0, 0.0)),
    dict(band="r", scale=0.22, rotation=15.0, shift=(6.3, -4.1)),
    dict(band="i", scale=0.24, rotation=-12.0, shift=(-5.2, 7.7)),
)
CENTRE = (150.1, 2.2)
FWHM = 0.9  # arcsec


def _render(wcs, shape, positions, fluxes, *, sky, noise, seed):
    from scipy.special import erf

    scale = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    sigma = FWHM / 2.3548 / scale
    rng = np.random.default_rng(seed)
    image = rng.normal(sky, noise, shape).astype(np.float32)
    xs, ys = wcs.world_to_pixel(positions)
    half = int(np.ceil(6 * sigma))
    root2sigma = np.sqrt(2) * sigma
    for x0, y0, flux in zip(xs, ys, fluxes):
        ix, iy = int(round(float(x0))), int(round(float(y0)))
        x = np.arange(max(ix - half, 0), min(ix + half + 1, shape[1]))
        y = np.arange(max(iy - half, 0), min(iy + half + 1, shape[0]))
        if x.size == 0 or y.size == 0:
            continue
        fx = 0.5 * (erf((x + 0.5 - x0) / root2sigma) - erf((x - 0.5 - x0) / root2sigma))
        fy = 0.5 * (erf((y + 0.5 - y0) / root2sigma) - erf((y - 0.5 - y0) / root2sigma))
        image[y[0]: y[-1] + 1, x[0]: x[-1] + 1] += (flux * np.outer(fy, fx)).astype(np.float32)
    return image


def _tan_wcs(centre, scale, rotation, shape):
    """A TAN WCS centred on ``centre`` (RA, Dec in degrees), ``scale`` arcsec a pixel,
    rotated by ``rotation`` degrees counter-clockwise from north up, east left."""
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.crval = list(centre)
    wcs.wcs.crpix = [(shape[1] + 1) / 2, (shape[0] + 1) / 2]
    angle = np.radians(rotation)
    wcs.wcs.cd = scale / 3600.0 * np.array([[-np.cos(angle), np.sin(angle)],
                                            [np.sin(angle), np.cos(angle)]])
    wcs.wcs.radesys = "ICRS"
    wcs.pixel_shape = (shape[1], shape[0])
    return wcs


def make_inputs(folder, size, *, n_stars=600, seed=1):
    """Write the three filter files and the star catalogue; return their paths."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord
    from astropy.io import fits

    rng = np.random.default_rng(seed)
    half_width = 0.5 * size * 0.20 * 0.8  # arcsec, inside the smallest field
    offsets = rng.uniform(-half_width, half_width, (n_stars, 2))
    centre = SkyCoord(*CENTRE, unit="deg")
    positions = centre.spherical_offsets_by(offsets[:, 0] * u.arcsec, offsets[:, 1] * u.arcsec)
    fluxes = 10 ** rng.uniform(2.0, 3.5, n_stars)
    colours = rng.uniform(0.5, 2.0, n_stars)
    paths = []
    shape = (size, size)
    for index, grid in enumerate(GRIDS):
        shifted = centre.spherical_offsets_by(grid["shift"][0] * u.arcsec,
                                              grid["shift"][1] * u.arcsec)
        wcs = _tan_wcs((shifted.ra.deg, shifted.dec.deg), grid["scale"], grid["rotation"], shape)
        data = _render(wcs, shape, positions, fluxes * colours ** (index - 1),
                       sky=10.0 + 5 * index, noise=1.0, seed=seed + index)
        header = wcs.to_header()
        header["FILTER"] = grid["band"]
        path = os.path.join(folder, f"bench_{grid['band']}.fits")
        fits.writeto(path, data, header=header, overwrite=True)
        paths.append(path)
    catalogue = os.path.join(folder, "stars.json")
    with open(catalogue, "w") as stream:
        json.dump({"ra": positions.ra.deg.tolist(), "dec": positions.dec.deg.tolist(),
                   "flux": fluxes.tolist()}, stream)
    return paths, catalogue


def _run_ours(files, folder):
    from astro_colorgan import stack

    composite = stack(files)
    composite.write_fits(os.path.join(folder, "ours.fits"), overwrite=True)
    composite.write_image(os.path.join(folder, "ours.png"), overwrite=True)


def _run_ours_linear(files, folder):
    from astropy.visualization import MinMaxInterval

    from astro_colorgan import stack

    composite = stack(files, stretch="linear", interval=MinMaxInterval())
    composite.write_fits(os.path.join(folder, "ours_linear.fits"), overwrite=True)


def _run_aplpy(files, folder):
    import aplpy

    cube = os.path.join(folder, "aplpy.fits")
    aplpy.make_rgb_cube(files[::-1], cube)  # APLpy wants red, green, blue
    aplpy.make_rgb_image(cube, os.path.join(folder, "aplpy.png"))


def _child(method, files, folder):
    """Run one method in this (fresh) process and print its time and peak memory."""
    import warnings

    from astropy import log

    warnings.simplefilter("ignore")
    log.setLevel("WARNING")
    start = time.perf_counter()
    {"ours": _run_ours, "ours_linear": _run_ours_linear, "aplpy": _run_aplpy}[method](files,
                                                                                    folder)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
    print(json.dumps({"wall_s": wall, "peak_mb": peak}))


def _measure(method, files, folder):
    command = [sys.executable, os.path.abspath(__file__), "--child", method, "--workdir",
               folder, *files]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    total = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["process_s"] = total
    return report


def _accuracy(cube_path, catalogue, *, n_stars=150):
    """Median and 95th percentile of centroid offsets between planes and from the WCS."""
    import warnings

    from astropy.coordinates import SkyCoord
    from astropy.io import fits
    from astropy.wcs import WCS
    from photutils.centroids import centroid_2dg

    with open(catalogue) as stream:
        stars = json.load(stream)
    with fits.open(cube_path) as hdulist:
        cube = np.asarray(hdulist[0].data, dtype=np.float32)
        wcs = WCS(hdulist[0].header).celestial
    positions = SkyCoord(stars["ra"], stars["dec"], unit="deg")
    xs, ys = wcs.world_to_pixel(positions)
    order = np.argsort(stars["flux"])[::-1]
    half = 6
    chosen, per_plane = [], [[] for _ in cube]
    for index in order:
        x, y = float(xs[index]), float(ys[index])
        ix, iy = int(round(x)), int(round(y))
        # isolated stars only: no other star within 3 cutout widths
        distance = np.hypot(xs - x, ys - y)
        if np.sort(distance)[1] < 6 * half:
            continue
        cutouts = [plane[iy - half: iy + half + 1, ix - half: ix + half + 1] for plane in cube]
        if any(c.shape != (2 * half + 1,) * 2 or not np.isfinite(c).all() for c in cutouts):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits_xy = [centroid_2dg(c - c.min()) for c in cutouts]
        for plane, (cx, cy) in zip(per_plane, fits_xy):
            plane.append((ix - half + cx, iy - half + cy))
        chosen.append((x, y))
        if len(chosen) >= n_stars:
            break
    chosen = np.array(chosen)
    planes = [np.array(p) for p in per_plane]
    between = np.concatenate([np.hypot(*(planes[a] - planes[b]).T)
                              for a, b in ((0, 1), (0, 2), (1, 2))])
    to_sky = np.concatenate([np.hypot(*(p - chosen).T) for p in planes])
    return {"stars": len(chosen),
            "between_median_px": float(np.median(between)),
            "between_p95_px": float(np.percentile(between, 95)),
            "to_sky_median_px": float(np.median(to_sky)),
            "to_sky_p95_px": float(np.percentile(to_sky, 95))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--workdir", help="folder for inputs and outputs (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--child", choices=["ours", "ours_linear", "aplpy"],
                        help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.files, args.workdir)
        return 0
    folder = args.workdir or tempfile.mkdtemp(prefix="bench_stack_")
    os.makedirs(folder, exist_ok=True)
    try:
        print(f"writing three {args.size} x {args.size} filters to {folder}", flush=True)
        files, catalogue = make_inputs(folder, args.size)
        results = {}
        for method in ("ours", "aplpy", "ours_linear"):
            print(f"running {method} ...", flush=True)
            results[method] = _measure(method, files, folder)
            cube = os.path.join(folder, f"{method}.fits")
            results[method].update(_accuracy(cube, catalogue))
        ours, aplpy = results["ours"], results["aplpy"]
        print(f"\n{'':34s} {'astro_colorgan':>15s} {'APLpy':>10s}")
        for label, key, fmt in (("wall time (s)", "wall_s", "{:.1f}"),
                                ("process time incl. imports (s)", "process_s", "{:.1f}"),
                                ("peak memory (MB)", "peak_mb", "{:.0f}")):
            print(f"{label:34s} {fmt.format(ours[key]):>15s} {fmt.format(aplpy[key]):>10s}")
        print(f"time ratio (ours / APLpy): {ours['wall_s'] / aplpy['wall_s']:.2f} "
              "(target <= 0.5)")
        print(f"peak memory ratio (ours / APLpy): {ours['peak_mb'] / aplpy['peak_mb']:.2f} "
              "(target <= 0.33)")
        print(f"\nalignment accuracy, {ours['stars']} stars, centroid offsets in output pixels")
        print(f"{'':40s} {'between planes':>18s} {'from sky position':>20s}")
        print(f"{'':40s} {'median':>8s} {'95%':>9s} {'median':>10s} {'95%':>9s}")
        for label, method in (("APLpy cube (linear)", "aplpy"),
                              ("astro_colorgan, linear stretch", "ours_linear"),
                              ("astro_colorgan, default asinh stretch", "ours")):
            r = results[method]
            print(f"{label:40s} {r['between_median_px']:8.3f} {r['between_p95_px']:9.3f} "
                  f"{r['to_sky_median_px']:10.3f} {r['to_sky_p95_px']:9.3f}")
        linear = results["ours_linear"]
        print(f"(the linear-stretch run took {linear['wall_s']:.1f} s, "
              f"{linear['peak_mb']:.0f} MB)")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
