"""Benchmark: throughput of `Colorizer.colorize` against a pix2pix-size generator.

A deterministic synthetic single-band image (``--size`` pixels square, default
4096: sky with a gradient, noise, stars and exponential-disk galaxies) is
colorized end to end, from the array to the ``(ny, nx, 3)`` RGB result, in
one process on one device (``--device cpu`` or ``cuda``; fp32, TF32 off):

* ours: ``Colorizer.pretrained(device=..., tile=...).colorize(image)`` with its
  defaults (asinh display stretch, a 256 px thumbnail of the whole image for
  the global context and the frozen GroupNorm statistics, tiles of at most
  ``tile`` px (default 1024, spread evenly) overlapping by at least 64 px,
  each seen by the network with a margin of 128 px, blended with
  raised-cosine weights, then ``chroma_to_rgb``);
* pix2pix: the reference ``unet_256`` generator (`_pix2pix.unet_256`, 54 M
  parameters, eval mode, luma in, Cb/Cr out through its tanh) "run the same
  way": the same display stretch, network windows of its native 256 x 256
  px, each holding a core tile of 192 px (with 32 px of real image around it;
  windows at the image's edges shift inwards so that every window is
  256 x 256), cores overlapping by 24 px, blended with the same raised-cosine
  weights (`astro_colorgan.colorize.tile_rows`), then the same
  ``chroma_to_rgb``. Its weights are random (the reference's initialisation):
  speed does not depend on them. The table gives, for both, the pixels the
  network processes per image pixel (margins and overlaps), so that the
  tilings can be compared.

Reported for each: wall time (best of ``--repeat`` runs, after a warm-up on a
512 x 512 image), megapixels per second, the time inside the network (timed
around every generator, context-encoder and decoder call, synchronised on
CUDA), the FLOPs and the achieved FLOP rate as a fraction of the fp32
matrix-multiply rate measured in the same run: ``torch.mm`` of two
4096 x 4096 matrices on the CPU (MKL), 8192 x 8192 on CUDA (cuBLAS), and on
the CPU also the same product through oneDNN (the library that runs the
convolutions); the better of the two is the reference (see `matmul_rate`).

FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode`, which counts
convolutions (2 x multiply-accumulates, transposed ones included) and matrix
products (``mm``, ``addmm``, ``bmm``, the decoder's ``einsum``), not
element-wise work (normalisation, activations, interpolation, softmax). For
ours they are counted on a whole extra ``colorize`` call of the same image
(every tile, the thumbnail pass and the context encoder: exact, as the work
does not depend on the data); for pix2pix on one 256 x 256 window, times the
number of windows (every window has that size, so this is exact too).

Where the rest of our time goes is measured with `cProfile` on one more
(untimed) call: the calls made by ``Colorizer.colorize`` and by its biggest
callee, with the seconds spent in each.

Usage: ``python benchmarks/bench_colorize.py [--size 4096] [--device cpu|cuda]
[--tile 1024] [--repeat 1] [--threads N] [--skip-pix2pix] [--json PATH]``.
"""

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import time
import warnings

import numpy as np
import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
if os.path.isdir(os.path.join(_HERE, os.pardir, "astro_colorgan")):
    sys.path.insert(1, os.path.dirname(_HERE))  # benchmark the checkout this script is in

from _pix2pix import count_parameters, unet_256  # noqa: E402

__all__ = ["make_image", "matmul_rate", "main"]

P2P_WINDOW, P2P_CORE, P2P_OVERLAP = 256, 192, 24


# -- the input ------------------------------------------------------------------

def make_image(size, *, seed=3):
    """A deterministic ``(size, size)`` float32 sky: gradient, noise, stars, galaxies."""
    rng = np.random.default_rng(seed)
    y, x = np.ogrid[:size, :size]
    image = (100.0 + 8.0 * x / size + 5.0 * y / size).astype(np.float32)
    image = image + rng.normal(0.0, 3.0, (size, size)).astype(np.float32)
    area = size * size

    def add(x0, y0, radius, profile):
        ix, iy = int(x0), int(y0)
        xs = slice(max(ix - radius, 0), min(ix + radius + 1, size))
        ys = slice(max(iy - radius, 0), min(iy + radius + 1, size))
        if xs.start >= xs.stop or ys.start >= ys.stop:
            return
        gy, gx = np.mgrid[ys, xs]
        image[ys, xs] += profile(gx - x0, gy - y0).astype(np.float32)

    for _ in range(max(20, area // 20000)):  # stars, Gaussian PSF of 3.5 px FWHM
        x0, y0 = rng.uniform(0, size, 2)
        flux = 10 ** rng.uniform(2.5, 5.5)
        sigma = 1.5
        add(x0, y0, 10, lambda dx, dy, f=flux, s=sigma:
            f / (2 * np.pi * s * s) * np.exp(-(dx * dx + dy * dy) / (2 * s * s)))
    for _ in range(max(3, area // 1_000_000)):  # galaxies: exponential disk + bulge
        x0, y0 = rng.uniform(0.1 * size, 0.9 * size, 2)
        scale = rng.uniform(0.005, 0.03) * size
        axis_ratio, angle = rng.uniform(0.3, 1.0), rng.uniform(0, np.pi)
        peak = 10 ** rng.uniform(1.5, 3.0)
        cos, sin = np.cos(angle), np.sin(angle)

        def galaxy(dx, dy, h=scale, q=axis_ratio, a=peak, c=cos, s=sin):
            u, v = c * dx + s * dy, (-s * dx + c * dy) / q
            r = np.sqrt(u * u + v * v)
            return a * np.exp(-r / h) + 3 * a * np.exp(-((r / (0.15 * h)) ** 0.5))

        add(x0, y0, int(8 * scale), galaxy)
    return image


# -- the machine ----------------------------------------------------------------

def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _fp32_strict(device):
    """fp32 everywhere: no TF32 in matrix products or cuDNN convolutions."""
    if device.type != "cuda":
        return
    try:
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        torch.backends.cudnn.conv.fp32_precision = "ieee"
    except (AttributeError, RuntimeError):  # older PyTorch
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


def machine(device):
    """A dict describing the machine, PyTorch and the device."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {"cpu": cpu, "cores": cores, "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "mkldnn": bool(torch.backends.mkldnn.is_available()
                           and torch.backends.mkldnn.enabled),
            "python": platform.python_version(), "device": str(device),
            "device_name": cpu}
    if device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(device)
        info["tf32"] = False
    return info


def _best_time(function, device, repeat):
    function()
    _sync(device)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def matmul_rate(device, *, n=None, repeat=None):
    """The fp32 matrix-multiply rate (FLOP/s) of this machine, best of ``repeat``.

    ``torch.mm`` of two ``n x n`` matrices (MKL on the CPU, cuBLAS on CUDA),
    and on the CPU also the same product through oneDNN, the library that runs
    PyTorch's convolutions on the CPU (``mkldnn_linear``, or a 1 x 1
    convolution where that is missing). MKL takes slower code paths on some
    CPUs (AVX2 instead of AVX-512 on AMD ones), so the two can differ by
    several times. ``flops_per_s``, the better of the two, is the rate the
    networks are compared with.
    """
    import torch.nn.functional as F

    n = n or (8192 if device.type == "cuda" else 4096)
    repeat = repeat or (10 if device.type == "cuda" else 3)
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=gen).to(device)
    b = torch.randn(n, n, generator=gen).to(device)
    c = torch.empty(n, n, device=device)
    best = _best_time(lambda: torch.mm(a, b, out=c), device, repeat)
    result = {"n": n, "mm_flops_per_s": 2.0 * n ** 3 / best}
    rates = [result["mm_flops_per_s"]]
    if device.type == "cpu" and torch.backends.mkldnn.is_available():
        try:
            am, bm = a.to_mkldnn(), b.t().contiguous().to_mkldnn()
            best = _best_time(lambda: torch._C._nn.mkldnn_linear(am, bm, None), device, repeat)
            result["onednn_op"] = "mkldnn_linear"
        except (AttributeError, RuntimeError):
            side = 64  # (n x n) by (n x side²) as a 1 x 1 convolution, channels last
            x = a[:, :side * side].reshape(1, n, side, side).contiguous(
                memory_format=torch.channels_last)
            w = b.reshape(n, n, 1, 1).contiguous(memory_format=torch.channels_last)
            best = _best_time(lambda: F.conv2d(x, w), device, repeat) * n / (side * side)
            result["onednn_op"] = "1x1 convolution"
        result["onednn_flops_per_s"] = 2.0 * n ** 3 / best
        rates.append(result["onednn_flops_per_s"])
    result["flops_per_s"] = max(rates)
    return result


# -- timing the network inside a pipeline ------------------------------------------

class NetworkTimer:
    """Accumulates the wall time of calls of wrapped callables (not nested twice),
    and the pixels of the images given to those wrapped with ``count=True``."""

    def __init__(self, device):
        self.device = device
        self.reset()
        self._depth = 0

    def wrap(self, function, *, count=False):
        def timed(*args, **kwargs):
            if self._depth:
                return function(*args, **kwargs)
            self._depth += 1
            _sync(self.device)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                _sync(self.device)
                self.seconds += time.perf_counter() - start
                self._depth -= 1
                if count:
                    self.windows += 1
                    self.pixels += args[0].shape[-2] * args[0].shape[-1]
        return timed

    def reset(self):
        self.seconds, self.windows, self.pixels = 0.0, 0, 0


def _instrument(colorizer, timer):
    """Time the generator, its context encoder and the decoder of our model (in place)."""
    model = colorizer.model
    generator = model.generator
    generator.forward = timer.wrap(type(generator).forward.__get__(generator), count=True)
    generator.encode_context = timer.wrap(type(generator).encode_context.__get__(generator))
    model.decode = timer.wrap(type(model).decode.__get__(model))


# -- pix2pix, run the same way ----------------------------------------------------

def _display_luma(data):
    """The display luma of ``Colorizer.colorize(stretch='auto')``: asinh (Q=8) of the
    default interval, from the same public functions."""
    from astro_colorgan.composite._stretch import check_interval, resolve_stretch
    from astro_colorgan.io import read_image

    image = read_image(data, dtype=np.float32)
    values = image.data
    finite = np.isfinite(values) & ~image.mask
    stretch = resolve_stretch("asinh", Q=8.0)
    vmin, vmax = check_interval(None).get_limits(values[finite])
    scaled = np.clip((np.where(finite, values, vmin) - vmin) / (vmax - vmin), 0, 1)
    luma = np.clip(stretch(scaled, clip=True), 0, 1)
    return np.where(finite, luma, 0).astype(np.float32), finite


def _p2p_windows(shape):
    """``(core slices, weight, window corner)`` of the pix2pix tiling of an image."""
    from astro_colorgan.colorize import tile_rows

    ny, nx = shape
    NY, NX = max(ny, P2P_WINDOW), max(nx, P2P_WINDOW)  # small images are padded
    margin = (P2P_WINDOW - P2P_CORE) // 2
    for rows, tiles in tile_rows(shape, P2P_CORE, P2P_OVERLAP):
        for cols, weight in tiles:
            y0 = min(max(rows.start - margin, 0), NY - P2P_WINDOW)
            x0 = min(max(cols.start - margin, 0), NX - P2P_WINDOW)
            yield (rows, cols), weight, (y0, x0)


def pix2pix_colorize(net, data, *, device, timer=None):
    """Colorize with the pix2pix generator, tiled in 256 x 256 windows (module docstring)."""
    from astro_colorgan.colorspace import chroma_to_rgb

    luma, valid = _display_luma(data)
    ny, nx = luma.shape
    padded = luma
    if ny < P2P_WINDOW or nx < P2P_WINDOW:
        padded = np.pad(luma, ((0, max(P2P_WINDOW - ny, 0)), (0, max(P2P_WINDOW - nx, 0))),
                        mode="reflect" if min(ny, nx) > P2P_WINDOW // 2 else "edge")
    run = timer.wrap(net, count=True) if timer is not None else net
    chroma = np.zeros((2, ny, nx), np.float32)
    total = np.zeros((ny, nx), np.float32)
    for (rows, cols), weight, (y0, x0) in _p2p_windows((ny, nx)):
        window = padded[y0:y0 + P2P_WINDOW, x0:x0 + P2P_WINDOW]
        x = torch.from_numpy(2.0 * window - 1.0)[None, None].to(device)
        with torch.no_grad():
            out = run(x)
        c = 0.5 * out[0].cpu().numpy()  # tanh output to Cb, Cr in [-0.5, 0.5]
        inner = (slice(rows.start - y0, rows.stop - y0), slice(cols.start - x0, cols.stop - x0))
        chroma[:, rows, cols] += weight * c[:, inner[0], inner[1]]
        total[rows, cols] += weight
    chroma /= total
    rgb = chroma_to_rgb(luma.astype(np.float64), np.moveaxis(chroma, 0, -1).astype(np.float64))
    rgb = np.clip(rgb, 0, 1).astype(np.float32)
    rgb[~valid] = np.nan
    return rgb


# -- measurements -----------------------------------------------------------------

def _timed(function, device, repeat, timer):
    walls, networks = [], []
    for _ in range(repeat):
        timer.reset()
        _sync(device)
        start = time.perf_counter()
        function()
        _sync(device)
        walls.append(time.perf_counter() - start)
        networks.append(timer.seconds)
    best = int(np.argmin(walls))
    return {"wall_s": walls[best], "network_s": networks[best], "walls_s": walls,
            "windows": timer.windows, "network_pixels": timer.pixels}


def _count_flops(function):
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        function()
    return int(counter.get_total_flops())


def _profile_tree(function, top=8):
    """Seconds in the callees of ``Colorizer.colorize`` and of its biggest callee."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        function()
    finally:
        profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats

    def name(key):
        filename, line, func = key
        base = os.path.basename(filename)
        return func if base in ("~", "") else f"{func} ({base}:{line})"

    def callees(parent):
        rows = [(key, value[4][parent][3]) for key, value in stats.items() if parent in value[4]]
        rows.sort(key=lambda row: -row[1])
        return rows

    roots = [key for key in stats if key[2] == "colorize" and key[0].endswith("_colorizer.py")]
    if not roots:
        return {"wall_s": wall, "tree": []}
    root = roots[0]
    tree = [{"level": 0, "name": name(root), "seconds": stats[root][3],
             "self_seconds": stats[root][2]}]
    children = callees(root)
    for index, (key, seconds) in enumerate(children[:top]):
        tree.append({"level": 1, "name": name(key), "seconds": seconds,
                     "self_seconds": stats[key][2] if index == 0 else None})
        if index == 0:
            for sub, sub_seconds in callees(key)[:top]:
                tree.append({"level": 2, "name": name(sub), "seconds": sub_seconds})
    return {"wall_s": wall, "tree": tree}


def bench_ours(image, *, device, tile, repeat):
    from astro_colorgan import Colorizer

    colorizer = Colorizer.pretrained(device=str(device), tile=tile)
    timer = NetworkTimer(device)
    _instrument(colorizer, timer)
    colorizer.colorize(make_image(512, seed=11))  # warm-up
    run = lambda: colorizer.colorize(image)  # noqa: E731
    result = _timed(run, device, repeat, timer)
    margin = colorizer.margin
    result.update(name="ours", label=f"ours (ChromaUNet, width {colorizer.model.width})",
                  parameters=count_parameters(colorizer.model.generator),
                  window=f"≤{tile + 2 * margin}² incl. thumbnail")
    result["flops"] = _count_flops(run)
    result["flop_method"] = "FlopCounterMode over one whole colorize call"
    result["profile"] = _profile_tree(run)
    return result


def bench_pix2pix(image, *, device, repeat):
    net = unet_256(1, 2).to(device)
    timer = NetworkTimer(device)
    pix2pix_colorize(net, make_image(512, seed=11), device=device)  # warm-up
    run = lambda: pix2pix_colorize(net, image, device=device, timer=timer)  # noqa: E731
    result = _timed(run, device, repeat, timer)
    windows = result["windows"]
    x = torch.zeros(1, 1, P2P_WINDOW, P2P_WINDOW, device=device)
    with torch.no_grad():
        per_window = _count_flops(lambda: net(x))
    result.update(name="pix2pix", label="pix2pix unet_256", parameters=count_parameters(net),
                  window=f"{P2P_WINDOW}²", flops=per_window * windows,
                  flops_per_window=per_window,
                  flop_method="FlopCounterMode on one 256² window x number of windows")
    return result


def _derive(result, pixels, rate, mm_rate):
    result["mpx_per_s"] = pixels / result["wall_s"] / 1e6
    result["flops_per_s"] = result["flops"] / result["wall_s"]
    result["fraction"] = result["flops_per_s"] / rate
    result["network_flops_per_s"] = result["flops"] / result["network_s"]
    result["network_fraction"] = result["network_flops_per_s"] / rate
    result["network_share"] = result["network_s"] / result["wall_s"]
    result["mm_fraction"] = result["flops_per_s"] / mm_rate
    result["network_mm_fraction"] = result["network_flops_per_s"] / mm_rate


# -- output -------------------------------------------------------------------------

def print_table(report):
    m, mm = report["machine"], report["matmul"]
    size = report["size"]
    tf32 = ", fp32 without TF32" if "tf32" in m else ""
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores; torch {m['torch']} with "
          f"{m['torch_threads']} threads (mkldnn {'on' if m['mkldnn'] else 'off'}); "
          f"device {m['device']} ({m['device_name']}){tf32}")
    print(f"load average before / after: {report['load_before']} / {report['load_after']}")
    line = (f"fp32 matrix-multiply rate, best of several: torch.mm {mm['n']}² x {mm['n']}² "
            f"{mm['mm_flops_per_s'] / 1e9:.1f} GFLOP/s")
    if "onednn_flops_per_s" in mm:
        line += (f", through oneDNN ({mm['onednn_op']}) "
                 f"{mm['onednn_flops_per_s'] / 1e9:.1f} GFLOP/s")
    print(line)
    print(f"fractions below are of {mm['flops_per_s'] / 1e9:.1f} GFLOP/s (the better one)")
    models = report["models"]
    title = f"{size}² image on {m['device']}"
    header = f"| {title:<42s} |" + "".join(
        f" {r['label']:>27s} |" for r in models)
    print("\n" + header)
    print("|" + "-" * 44 + "|" + "".join("-" * 28 + ":|" for _ in models))
    rows = (
        ("parameters (M)", lambda r: f"{r['parameters'] / 1e6:.2f}"),
        ("network windows", lambda r: f"{r['windows']} of {r['window']}"),
        ("network px / image px", lambda r: f"{r['network_pixels'] / size ** 2:.2f}"),
        ("wall time end to end (s)", lambda r: f"{r['wall_s']:.2f}"),
        ("throughput (Mpx/s)", lambda r: f"{r['mpx_per_s']:.3f}"),
        ("time in network (s)", lambda r: f"{r['network_s']:.2f} "
                                          f"({100 * r['network_share']:.0f} %)"),
        ("FLOPs (G, conv + matmul)", lambda r: f"{r['flops'] / 1e9:.0f}"),
        ("FLOPs per image pixel (k)", lambda r: f"{r['flops'] / size ** 2 / 1e3:.1f}"),
        ("achieved GFLOP/s, end to end", lambda r: f"{r['flops_per_s'] / 1e9:.1f}"),
        ("fraction of best matmul rate, end to end", lambda r: f"{r['fraction']:.3f}"),
        ("achieved GFLOP/s, network only", lambda r: f"{r['network_flops_per_s'] / 1e9:.1f}"),
        ("fraction of best matmul rate, network only", lambda r: f"{r['network_fraction']:.3f}"),
    )
    if "onednn_flops_per_s" in mm:
        rows += (("fraction of torch.mm rate, end to end",
                  lambda r: f"{r['mm_fraction']:.3f}"),
                 ("fraction of torch.mm rate, network only",
                  lambda r: f"{r['network_mm_fraction']:.3f}"))
    for label, fmt in rows:
        print(f"| {label:<42s} |" + "".join(f" {fmt(r):>27s} |" for r in models))
    ours = models[0]
    print(f"\nours: {ours['fraction']:.3f} of the fp32 matmul rate end to end "
          f"({'meets' if ours['fraction'] >= 0.5 else 'misses'} the target >= 0.5), "
          f"{ours['network_fraction']:.3f} inside the network")
    if "speed_ratio" in report:
        ratio = report["speed_ratio"]
        print(f"speed ratio pix2pix time / our time, end to end: {ratio:.1f}x "
              f"({'meets' if ratio >= 5 else 'misses'} the target >= 5x)")
    tree = ours.get("profile", {}).get("tree", [])
    if tree:
        print(f"\nwhere our time goes (cProfile of one more call, {ours['profile']['wall_s']:.2f} s"
              " with the profiler):")
        for row in tree:
            extra = ""
            if row.get("self_seconds") is not None:
                extra = f"  (of which {row['self_seconds']:.2f} s in its own lines: numpy work)"
            print(f"  {'  ' * row['level']}{row['seconds']:7.2f} s  {row['name']}{extra}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096, help="image side (px)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--tile", type=int, default=1024, help="our tile size (px)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs (best is kept)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--skip-pix2pix", action="store_true", help="time ours only")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no CUDA GPU here")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    _fp32_strict(device)
    warnings.simplefilter("ignore")
    from astropy import log

    log.setLevel("WARNING")

    report = {"size": args.size, "tile": args.tile, "repeat": args.repeat,
              "machine": machine(device), "load_before": _load()}
    print(f"making the {args.size}² image ...", flush=True)
    image = make_image(args.size)
    print("fp32 matmul rate ...", flush=True)
    report["matmul"] = matmul_rate(device)
    rate = report["matmul"]["flops_per_s"]
    print("ours ...", flush=True)
    models = [bench_ours(image, device=device, tile=args.tile, repeat=args.repeat)]
    if not args.skip_pix2pix:
        print("pix2pix unet_256 ...", flush=True)
        models.append(bench_pix2pix(image, device=device, repeat=args.repeat))
    for result in models:
        _derive(result, args.size ** 2, rate, report["matmul"]["mm_flops_per_s"])
    report["models"] = models
    if len(models) == 2:
        report["speed_ratio"] = models[1]["wall_s"] / models[0]["wall_s"]
    report["load_after"] = _load()
    print_table(report)
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(report, stream, indent=1)
    return 0


def _load():
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
