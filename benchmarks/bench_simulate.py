"""Benchmark: simulating fields with `astro_colorgan.datasets.simulate_fields`.

Simulates ``--n`` fields (default 50) of ``--size`` squared pixels (default 256)
in three filters (default HST ACS F435W F606W F814W), written as FITS files,
in one process, and reports the wall time and the CPU time of the process per
field, and both extrapolated to 2,000 fields on one core and on ``--cores``
(default 2) worker processes (fields are independent, so they divide among
processes). On a machine shared with other jobs the wall time is inflated by
the waiting; the CPU time is what the simulation itself costs.

Usage: ``python benchmarks/bench_simulate.py [--n 50] [--size 256] [--filters F435W F606W F814W]``
"""

import argparse
import json
import shutil
import tempfile
import time

__all__ = ["main"]


def main(argv=None):
    """Run the benchmark and print a JSON summary."""
    from astro_colorgan.datasets import simulate_field, simulate_fields

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--filters", nargs="+", default=["F435W", "F606W", "F814W"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--target", type=int, default=2000)
    options = parser.parse_args(argv)

    simulate_field(options.filters, size=32, seed=0)  # imports, tables and PSFs, once
    workdir = tempfile.mkdtemp(prefix="bench_simulate_")
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        folders = simulate_fields(f"{workdir}/out", options.n, options.filters,
                                  size=options.size, seed=1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    per_field = cpu / options.n
    summary = {
        "fields": len(folders), "size": options.size, "filters": options.filters,
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "cpu_s_per_field": round(per_field, 4),
        f"extrapolated_{options.target}_fields_one_core_min": round(
            per_field * options.target / 60, 1),
        f"extrapolated_{options.target}_fields_{options.cores}_cores_min": round(
            per_field * options.target / options.cores / 60, 1),
    }
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
