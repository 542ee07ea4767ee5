"""Benchmark: ``astro-colorize batch`` with 1 and 2 worker processes.

``--files`` synthetic single-band FITS images of ``--size`` pixels square are
colorized by `astro_colorgan.batch.run_batch` on a fresh `LocalCluster` of
1, then 2, worker processes (each with ``cores // workers`` torch threads), the
cluster's start included. The table gives the wall time, files per second and
the speed-up over one worker; the outputs of the two runs are checked to be
the same images (to float rounding: the thread counts differ).

Usage: ``python benchmarks/bench_batch.py [--files 16] [--size 1024]
[--workers 1 2] [--json FILE]``
"""

import argparse
import json
import os
import shutil
import tempfile
import time

import numpy as np

__all__ = ["main"]


def _write_inputs(folder, n, size):
    from astropy.io import fits

    rng = np.random.default_rng(1)
    y, x = np.mgrid[:size, :size]
    for i in range(n):
        image = 100 + rng.normal(0, 3, (size, size))
        for _ in range(4):
            cy, cx, s = rng.uniform(0, size, 2).tolist() + [rng.uniform(10, size / 8)]
            image += rng.uniform(50, 500) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2)
                                                   / (2 * s * s))
        fits.PrimaryHDU(image.astype(np.float32)).writeto(
            os.path.join(folder, f"field{i:03d}.fits"))


def main(argv=None):
    from astropy.io import fits

    from astro_colorgan.batch import default_workers, run_batch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="bench_batch_")
    rows = []
    try:
        _write_inputs(workdir, args.files, args.size)
        pattern = os.path.join(workdir, "*.fits")
        for workers in args.workers:
            out = os.path.join(workdir, f"out{workers}")
            t0 = time.perf_counter()
            report = run_batch(pattern, out, workers=workers, progress=False)
            seconds = time.perf_counter() - t0
            if report.failed:
                raise RuntimeError(report.summary())
            rows.append({"workers": workers, "seconds": round(seconds, 1),
                         "files_per_second": round(args.files / seconds, 3)})
            print(f"{workers} worker(s): {seconds:.1f} s", flush=True)
        first = os.path.join(workdir, f"out{args.workers[0]}")
        for other in args.workers[1:]:
            for name in os.listdir(first):
                a = fits.getdata(os.path.join(first, name))
                b = fits.getdata(os.path.join(workdir, f"out{other}", name))
                assert np.allclose(a, b, atol=1e-5, equal_nan=True), name
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    base = rows[0]["seconds"]
    print(f"\n{args.files} files of {args.size}² px, {default_workers()} cores\n")
    print("| workers | wall time | files/s | speed-up |")
    print("|---|---|---|---|")
    for row in rows:
        row["speedup"] = round(base / row["seconds"], 2)
        print(f"| {row['workers']} | {row['seconds']} s | {row['files_per_second']} | "
              f"{row['speedup']} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"files": args.files, "size": args.size, "cores": default_workers(),
                       "rows": rows}, handle, indent=2)
    return rows


if __name__ == "__main__":
    main()
