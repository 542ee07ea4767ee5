"""Benchmark: colorizing a FITS image larger than the memory it is allowed.

A ``SIZE x SIZE`` float32 image (default 20000 x 20000, 1.6 GB) of sky noise
and galaxies is written to a FITS file band by band, then colorized by
``astro-colorize colorize IN.fits -o OUT.fits`` in a fresh process, which reads
the input band by band and writes the ``(3, SIZE, SIZE)`` output cube
(4.8 GB) band by band (`astro_colorgan.Colorizer.colorize_file`). The child's
peak resident memory (``ru_maxrss``) is compared with the target of 2 GB.

Usage: ``python benchmarks/bench_large.py [--size 20000] [--tile 512]
[--workdir DIR] [--keep] [--json FILE]``
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

__all__ = ["write_large_image", "main"]

TARGET_MB = 2048


def write_large_image(path, size, *, band=1000, seed=0):
    """Write a ``size x size`` float32 FITS image of sky and galaxies, band by band."""
    from astropy.io import fits
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [150.1, 2.2]
    wcs.wcs.crpix = [size / 2, size / 2]
    wcs.wcs.cdelt = [-0.2 / 3600, 0.2 / 3600]
    header = fits.Header([("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2),
                          ("NAXIS1", size), ("NAXIS2", size)])
    header.update(wcs.to_header())
    header["OBJECT"] = "synthetic deep field"
    rng = np.random.default_rng(seed)
    n = max(1, size * size // 400_000)  # a galaxy every 630 x 630 px or so
    centres = rng.uniform(0, size, (n, 2))
    sigmas = rng.uniform(5, 60, n)
    fluxes = rng.uniform(20, 400, n)
    x = np.arange(size, dtype=np.float32)
    with open(path, "wb") as handle:
        handle.write(header.tostring().encode("ascii"))
        for start in range(0, size, band):
            y = np.arange(start, min(size, start + band), dtype=np.float32)[:, None]
            rows = 100 + rng.normal(0, 3, (len(y), size)).astype(np.float32)
            near = np.abs(centres[:, 0] - y.mean()) < 6 * sigmas + band
            for (cy, cx), s, f in zip(centres[near], sigmas[near], fluxes[near]):
                lo, hi = int(max(0, cx - 6 * s)), int(min(size, cx + 6 * s + 1))
                rows[:, lo:hi] += f * np.exp(-((x[lo:hi] - cx) ** 2 + (y - cy) ** 2)
                                             / (2 * s * s))
            handle.write(rows.astype(">f4").tobytes())
        handle.write(b"\0" * ((-handle.tell()) % 2880))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--tile", type=int, default=1024)
    parser.add_argument("--workdir")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_large_")
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, f"large_{args.size}.fits")
    output = os.path.join(workdir, f"large_{args.size}_rgb.fits")
    try:
        t0 = time.perf_counter()
        write_large_image(source, args.size)
        print(f"wrote {source} ({os.path.getsize(source) / 1e9:.2f} GB) in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        command = [sys.executable, "-c",
                   "import sys; from astro_colorgan.cli.main import main; sys.exit(main())",
                   "-q", "colorize", source, "-o", output, "--tile", str(args.tile),
                   "--overwrite"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        subprocess.run(command, check=True)
        seconds = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if peak_mb <= before / 1024:
            print("warning: the child's peak is not above the earlier children's", flush=True)
        from astropy.io import fits

        with fits.open(output, memmap=True) as hdul:
            shape = hdul[0].shape
            corner = np.asarray(hdul[0].data[:, :64, :64])
        result = {
            "size": args.size, "tile": args.tile,
            "input_gb": round(os.path.getsize(source) / 1e9, 2),
            "output_gb": round(os.path.getsize(output) / 1e9, 2),
            "output_shape": list(shape), "finite_corner": bool(np.isfinite(corner).all()),
            "seconds": round(seconds, 1),
            "megapixels_per_second": round(args.size ** 2 / 1e6 / seconds, 3),
            "peak_rss_mb": round(peak_mb), "target_mb": TARGET_MB,
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        }
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print("| image | input | output | time | Mpx/s | peak RSS | target |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.size}² float32 | {result['input_gb']} GB | {result['output_gb']} GB | "
          f"{result['seconds']} s | {result['megapixels_per_second']} | "
          f"{result['peak_rss_mb']} MB | ≤ {TARGET_MB} MB |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)
    return result


if __name__ == "__main__":
    main()
