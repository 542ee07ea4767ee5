"""Benchmark: how much of an end-to-end ``colorize`` is the network, on one device.

A deterministic synthetic single-band image (``--size`` square, default 4096,
`bench_colorize.make_image`) is colorized with the shipped model and its
defaults; forward hooks on the generator time the network (synchronised on
CUDA). Prints the end-to-end wall time, the time in the network and its
share. Works with this version's ``Colorizer(...).colorize(image)`` and, for a
before/after comparison, with the 0.1 API of commit 1c48e50
(``Colorizer.pretrained().colorize(image)``): run it with ``PYTHONPATH``
pointing at a checkout of either.

Usage: ``python benchmarks/bench_pipeline_share.py [--size 4096] [--device cpu|cuda]``.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    import torch

    from astro_colorgan import Colorizer
    from bench_colorize import make_image

    image = make_image(args.size, seed=0)
    try:
        colorizer = Colorizer(device=args.device)
        run = lambda data: colorizer.colorize(data).rgb  # noqa: E731
    except TypeError:  # the 0.1 API
        colorizer = Colorizer.pretrained(device=args.device)
        run = colorizer.colorize
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    spent = [0.0]
    start = [0.0]

    def before(module, inputs):
        sync()
        start[0] = time.perf_counter()

    def after(module, inputs, output):
        sync()
        spent[0] += time.perf_counter() - start[0]

    generator = colorizer.model.generator
    generator.register_forward_pre_hook(before)
    generator.register_forward_hook(after)
    run(make_image(256, seed=1))  # warm-up
    spent[0] = 0.0
    sync()
    t0 = time.perf_counter()
    run(image)
    sync()
    wall = time.perf_counter() - t0
    print(f"{args.size}² on {args.device}: end to end {wall:.2f} s, network {spent[0]:.2f} s "
          f"({100 * spent[0] / wall:.0f} %)")


if __name__ == "__main__":
    main()
