"""Benchmark: seconds per training step on the CPU, float32 against bfloat16 autocast.

A training recipe (``--preset``, default ``default``) is run by
`astro_colorgan.training.train` for ``--steps`` steps (default 60) on a folder
of colour images (default: stellarium-data's deep-sky photographs), twice: with
``bfloat16=False`` and with ``bfloat16=True`` (`~astro_colorgan.training.Preset`),
everything else the same — data sampling, the generator and discriminator
updates, the log. The time per step is read from the ``seconds`` column of each
run's ``losses.csv``, after ``--warmup`` steps (default 10). No validation is run
and no file is kept.

bfloat16 autocast is fast only where the CPU computes in bfloat16 natively
(AVX-512 BF16 or AMX); the CPU's flags are printed with the table.

Usage: ``python benchmarks/bench_train_step.py [DATA_DIR] [--preset default]
[--steps 60] [--warmup 10] [--threads N] [--json PATH]``.
"""

import argparse
import csv
import json
import os
import platform
import sys
import tempfile

import torch

__all__ = ["seconds_per_step", "main"]

STELLARIUM = "/usr/share/stellarium/nebulae/default"


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next(line for line in handle if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return []
    return sorted(f for f in flags if "bf16" in f or f.startswith("amx"))


def seconds_per_step(data_dir, preset, *, steps, warmup, bfloat16):
    """Mean seconds per step of a short CPU run, after ``warmup`` steps."""
    from astro_colorgan.training import get_preset, train

    recipe = get_preset(preset, bfloat16=bfloat16, validation=False)
    with tempfile.TemporaryDirectory() as folder:
        train(data_dir, os.path.join(folder, "model.safetensors"), preset=recipe,
              device="cpu", max_steps=steps, progress=False, workdir=folder)
        with open(os.path.join(folder, "losses.csv"), newline="") as handle:
            seconds = [float(row["seconds"]) for row in csv.DictReader(handle)]
    return (seconds[-1] - seconds[warmup - 1]) / (len(seconds) - warmup)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=STELLARIUM)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if not 0 < args.warmup < args.steps:
        parser.error("need 0 < --warmup < --steps")
    if args.threads:
        torch.set_num_threads(args.threads)
    results = {}
    for bfloat16 in (False, True):
        results["bfloat16" if bfloat16 else "float32"] = seconds_per_step(
            args.data_dir, args.preset, steps=args.steps, warmup=args.warmup, bfloat16=bfloat16)
    speedup = results["float32"] / results["bfloat16"]
    print(f"preset {args.preset}, {args.steps} steps ({args.warmup} of warm-up), "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"CPU: {platform.processor() or platform.machine()}, "
          f"flags: {' '.join(_cpu_flags()) or 'no bf16/amx'}")
    print("precision   s/step")
    for name, value in results.items():
        print(f"{name:<10}  {value:.3f}")
    print(f"bfloat16 autocast is {speedup:.2f} times as fast")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"preset": args.preset, "steps": args.steps, "warmup": args.warmup,
                       "threads": torch.get_num_threads(), "seconds_per_step": results,
                       "speedup": speedup, "cpu_flags": _cpu_flags()}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
