"""Benchmark: variants of the training recipe over several seeds, side by side on one GPU.

On 39 validation images one training run cannot tell two recipes apart: two
seeds of the same recipe differ by more than most recipe changes. This script
trains every (variant, seed) pair of ``--variants`` × ``--seeds`` at once, one
process each, on the ``fit`` split of a folder of colour photographs, and
scores each on the ``validation`` split (never the test split). It is meant for
a GPU, where a few dozen runs take minutes; it runs on the CPU too.

Every run uses the package's own recipe (`~astro_colorgan.training.get_preset`),
model construction, augmented crops and optimisation step (those of
`~astro_colorgan.training.train`). The loop differs from ``train`` only where
a sweep on a shared GPU needs it: the next batch is cut by a background thread
while the GPU works, the losses are not read back at every step, and no
checkpoint is written. All runs share one length: after 130 steps each process
measures its speed, they agree on the slowest, and the number of epochs is the
most (at most ``--max-epochs``) that ends inside ``--budget`` seconds from the
start, so that every run completes its cosine learning-rate schedule.

Variants (a preset of `~astro_colorgan.training.PRESETS`, some fields replaced):

``default``
    the ``default`` recipe;
``width16``
    the ``default`` recipe with a narrower generator (``width=16``);
``strongaug``
    the ``strong-aug`` recipe: wider scale and display-stretch jitter;
``ctxdrop``
    the ``default`` recipe with dropout (p = 0.5) on the global context vector
    while training.

Each run is scored at the decoding temperatures 0.7 and 1.0 and saturations
0.75–1.5 by `~astro_colorgan.training.choose_temperature`, which also chooses
its decoding as ``train`` does (mean ΔE2000 on coloured pixels and
colourfulness ratio over the validation images). As colourfulness and
ΔE2000 trade against each other, the runs are compared at one colourfulness
ratio (``--at``, default 0.85, the lower end of the band the decoding is chosen
in): the ΔE2000 there is interpolated along the saturation at each temperature,
and the better temperature is kept. The summary gives each variant's mean over
its seeds with the standard error of that mean.

Results go to ``OUT``: ``results.json`` (every run's decoding table and loss
log) and ``models*.tar`` (the model files, two per archive; compare two of them
image by image with ``astro-colorize evaluate --split validation``).

Usage::

    python benchmarks/bench_recipes.py prepare [DATA_DIR] COPY_DIR
    python benchmarks/bench_recipes.py run OUT [--data DATA_DIR] [--variants default,strongaug]
        [--seeds 0,1] [--budget SECONDS] [--max-epochs 300] [--device cuda]
    python benchmarks/bench_recipes.py summary OUT [OUT ...] [--at 0.85]

``prepare`` writes the training split (fit and validation, never test) of a
folder shrunk to the 256 px that training reads it at, as 8-bit PNG files of the
same names (so the same split): the same arrays in a third of the space, small
enough to carry to a GPU machine.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import subprocess
import sys
import tarfile
import time

__all__ = ["VARIANTS", "TEMPERATURES", "SATURATIONS", "prepare", "train_and_score", "run", "at_colourfulness",
           "summary", "main"]

STELLARIUM = "/usr/share/stellarium/nebulae/default"

#: Each variant's preset and the fields replaced in it (``_context_dropout`` is not
#: a preset field: dropout on the global context, applied by this script).
VARIANTS = {
    "default": ("default", {}),
    "width16": ("default", {"width": 16}),
    "strongaug": ("strong-aug", {}),
    "ctxdrop": ("default", {"_context_dropout": 0.5}),
}
#: Decoding temperatures and saturations every run is scored at.
TEMPERATURES = (0.7, 1.0)
SATURATIONS = (0.75, 1.0, 1.25, 1.5)


def prepare(data_dir, copy_dir):
    """Write the training split of ``data_dir``, shrunk to 256 px, to ``copy_dir``.

    Parameters
    ----------
    data_dir, copy_dir : str
        Source folder of colour images; folder for the 8-bit PNG copies.

    Returns
    -------
    int
        Number of images written.
    """
    import numpy as np
    from PIL import Image

    from astro_colorgan.datasets import find_images, read_color_image

    os.makedirs(copy_dir, exist_ok=True)
    paths = find_images(data_dir, split="train")
    for path in paths:
        rgb = read_color_image(path, max_side=256)
        pixels = np.round(rgb * 255).astype(np.uint8)
        if not np.array_equal(pixels.astype(np.float32) / 255.0, rgb):
            raise ValueError(f"{path} is not an 8-bit image: a PNG copy would change it")
        Image.fromarray(pixels).save(os.path.join(copy_dir, os.path.basename(path)), "PNG")
    return len(paths)


def train_and_score(args):
    """Train one (variant, seed) run and score it on the validation split (a child process).

    Writes ``TAG.safetensors`` and ``result-TAG.json`` to ``args.out``.
    """
    import numpy as np
    import torch
    import torch.nn.functional as F

    from astro_colorgan.datasets import find_images
    from astro_colorgan.nets import save_model
    from astro_colorgan.training import choose_temperature, get_preset
    from astro_colorgan.training._distributed import Processes
    from astro_colorgan.training._samples import TrainingImages
    from astro_colorgan.training._trainer import _build, _lr_at, _step

    torch.set_num_threads(1)
    tag = f"{args.child}-s{args.seed}"
    preset, spec = VARIANTS[args.child]
    spec = dict(spec)
    drop = spec.pop("_context_dropout", 0.0)
    recipe = get_preset(preset, **spec)
    dev = torch.device(args.device)
    procs = Processes.single(dev)
    images = TrainingImages(find_images(args.data, split="fit"), max_side=recipe.max_side,
                            drop_grey=recipe.drop_grey)
    model, disc = _build(recipe, images, args.seed)
    if drop:
        gen = model.generator
        plain = gen._context_from

        def with_dropout(deep, _plain=plain, _gen=gen):
            return F.dropout(_plain(deep), drop, training=_gen.training)
        gen._context_from = with_dropout
    model.to(dev).train()
    disc.to(dev).train()
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=recipe.lr_d, betas=recipe.betas)
    spe = len(images) // recipe.batch_size
    amp = dev.type == "cuda"
    pool = concurrent.futures.ThreadPoolExecutor(1)

    def batch_of(epoch, step):
        order = torch.randperm(len(images),
                               generator=torch.Generator().manual_seed(args.seed * 100003 + epoch))
        idx = order[step * recipe.batch_size:(step + 1) * recipe.batch_size]
        return torch.from_numpy(np.stack([
            images.sample(int(i), epoch=epoch, seed=args.seed, crop=recipe.crop,
                          scale_jitter=recipe.scale_jitter, augment=recipe.augment,
                          gamma_jitter=recipe.gamma_jitter) for i in idx]))

    epochs = min(recipe.epochs, args.max_epochs)
    if amp:
        torch.backends.cudnn.benchmark = True
    # start together, so that the speed measured below is the speed of all runs at once
    with open(os.path.join(args.out, f"ready-{tag}"), "w") as fh:
        fh.write("1")
    wait_until = time.time() + 120
    while len(glob.glob(os.path.join(args.out, "ready-*"))) < args.n and time.time() < wait_until:
        time.sleep(0.2)
    print(f"[{tag}] start at t={time.time() - args.t0:.0f}s", flush=True)
    total = epochs * spe
    nxt = pool.submit(batch_of, 0, 0)
    done, t_mark, log = 0, None, []
    while done < total:
        rgb = nxt.result().to(dev)
        epoch = done // spe
        if done + 1 < total:
            nxt = pool.submit(batch_of, *divmod(done + 1, spe))
        lr = _lr_at(done, total, recipe.lr)
        for g in opt_g.param_groups:
            g["lr"] = lr
        for g in opt_d.param_groups:
            g["lr"] = lr * recipe.lr_d / recipe.lr
        if time.time() > args.t0 + args.budget + 40:  # hard stop: keep what was trained
            print(f"[{tag}] TRUNCATED at step {done}/{total}", flush=True)
            total = done
            break
        losses = _step(recipe, model, model.generator, disc, opt_g, opt_d, rgb, amp, procs)
        done += 1
        if done == 30:
            if amp:
                torch.cuda.synchronize()
            t_mark = time.time()
        if done == 130 and args.n > 0:
            if amp:
                torch.cuda.synchronize()
            rate = (time.time() - t_mark) / 100
            with open(os.path.join(args.out, f"rate-{tag}"), "w") as fh:
                fh.write(str(rate))
            deadline = time.time() + 90
            while len(glob.glob(os.path.join(args.out, "rate-*"))) < args.n \
                    and time.time() < deadline:
                time.sleep(0.5)
            rates = []
            for name in glob.glob(os.path.join(args.out, "rate-*")):
                with open(name) as fh:
                    rates.append(float(fh.read()))
            left = args.t0 + args.budget - time.time()
            slow = max(rates) * 1.12  # margin
            epochs = int(min(args.max_epochs, max(args.min_epochs, (done + left / slow) // spe)))
            total = epochs * spe
            print(f"[{tag}] rates {[round(r, 4) for r in rates]} s/step, left {left:.0f} s "
                  f"-> {epochs} epochs ({total} steps)", flush=True)
        if done % 500 == 0:
            vals = {k: round(float(v), 4) for k, v in losses.items()}
            log.append({"step": done, "epoch": epoch, "t": round(time.time() - args.t0, 1),
                        **vals})
            print(f"[{tag}] step {done}/{total} t={time.time() - args.t0:.0f}s "
                  f"g={vals['loss_g']} ce={vals['loss_ce']} l1={vals['loss_l1']}", flush=True)
    if amp:
        torch.cuda.synchronize()
    t_train = time.time() - args.t0
    torch.backends.cudnn.benchmark = False
    model.eval()
    # validation: the package's own choice of decoding, on this sweep's grid
    (t, s), table = choose_temperature(model, find_images(args.data, split="validation"),
                                       temperatures=TEMPERATURES, saturations=SATURATIONS)
    means = {k.replace(" ", ""): [v["de00_coloured"], v["colourfulness_ratio"]]
             for k, v in table.items()}
    best = f"T={t},s={s}"
    model.temperature, model.saturation = t, s
    info = {"recipe": recipe.as_dict(), "seed": args.seed, "variant": args.child,
            "context_dropout": drop, "epochs": epochs, "steps": done, "device": str(dev),
            "torch": torch.__version__, "train_seconds": round(t_train, 1),
            "temperature": t, "saturation": s}
    save_model(model.cpu(), os.path.join(args.out, f"{tag}.safetensors"), info=info,
               overwrite=True)
    result = {"tag": tag, "info": info, "chosen": best, "means": means, "log": log, "total_seconds": round(time.time() - args.t0, 1)}
    with open(os.path.join(args.out, f"result-{tag}.json"), "w") as fh:
        json.dump(result, fh)
    print(f"[{tag}] DONE {epochs} epochs in {t_train:.0f}s: chosen {best} "
          f"-> {means[best][0]:.2f} at {means[best][1]:.2f}", flush=True)


def run(args):
    """Start one child process per (variant, seed), wait, and gather their results in OUT."""
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    work = args.work or os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    jobs = [(v, s) for v in args.variants.split(",") for s in map(int, args.seeds.split(","))]
    procs = []
    for v, s in jobs:
        cmd = [sys.executable, os.path.abspath(__file__), "child", work, "--child", v,
               "--seed", str(s), "--t0", str(t0), "--budget", str(args.budget),
               "--n", str(len(jobs)), "--device", args.device, "--data", args.data,
               "--max-epochs", str(args.max_epochs), "--min-epochs", str(args.min_epochs)]
        procs.append(subprocess.Popen(cmd, env=dict(os.environ, OMP_NUM_THREADS="1")))
    codes = [p.wait() for p in procs]
    print("exit codes", codes, f"wall {time.time() - t0:.0f}s", flush=True)
    results = {}
    for f in sorted(glob.glob(os.path.join(work, "result-*.json"))):
        with open(f) as fh:
            r = json.load(fh)
        results[r["tag"]] = r
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump(results, fh)
    models = sorted(glob.glob(os.path.join(work, "*.safetensors")))
    for i in range(0, len(models), 2):
        with tarfile.open(os.path.join(args.out, f"models{i // 2}.tar"), "w") as tar:
            for m in models[i:i + 2]:
                tar.add(m, arcname=os.path.basename(m))
    for tag, r in results.items():
        b = r["chosen"]
        print(f"{tag:16s} {r['info']['epochs']:4d} ep {r['info']['train_seconds']:6.0f}s "
              f"{b:14s} dE00c {r['means'][b][0]:.2f} cf {r['means'][b][1]:.2f}")


def at_colourfulness(means, target):
    """ΔE2000 (coloured) of one run at a colourfulness ratio, the better temperature's.

    Parameters
    ----------
    means : dict
        ``{"T=t,s=s": [ΔE2000 coloured, colourfulness ratio]}`` of one run.
    target : float
        Colourfulness ratio to compare at.

    Returns
    -------
    float
        At each temperature, ΔE2000 interpolated linearly in colourfulness
        between the saturations that bracket ``target`` (a straight-line fit
        over all saturations where none does); the lower of the temperatures.
    """
    import numpy as np

    temperatures = sorted({float(k.split(",")[0][2:]) for k in means})
    best = np.inf
    for t in temperatures:
        points = sorted(tuple(v)[::-1] for k, v in means.items()
                        if float(k.split(",")[0][2:]) == t)
        cf, de = np.array(points).T
        if cf[0] <= target <= cf[-1]:
            value = np.interp(target, cf, de)
        else:
            value = np.polyval(np.polyfit(cf, de, 1), target)
        best = min(best, float(value))
    return best


def summary(outs, at=0.85):
    """Each variant's mean ΔE2000 at one colourfulness over its seeds, with its standard error.

    Parameters
    ----------
    outs : list of str
        ``OUT`` folders of `run`.
    at : float
        Colourfulness ratio to compare at (see `at_colourfulness`).

    Returns
    -------
    dict
        ``{variant: {"runs": {tag: ΔE}, "mean": m, "sem": s, "epochs": [...]}}``.
    """
    import numpy as np

    table = {}
    for out in outs:
        with open(os.path.join(out, "results.json")) as fh:
            results = json.load(fh)
        for tag, r in results.items():
            entry = table.setdefault(r["info"]["variant"], {"runs": {}, "epochs": []})
            entry["runs"][tag] = at_colourfulness(r["means"], at)
            entry["epochs"].append(r["info"]["epochs"])
    for entry in table.values():
        values = np.array(list(entry["runs"].values()))
        entry["mean"] = float(values.mean())
        entry["sem"] = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 \
            else float("nan")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("prepare", "run", "summary", "child"))
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--data", default=STELLARIUM)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--budget", type=float, default=400,
                        help="seconds from the start by which training should end")
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--min-epochs", type=int, default=40)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--work", help="folder for the runs' files (default: OUT/work)")
    parser.add_argument("--at", type=float, default=0.85)
    # a child's own arguments
    parser.add_argument("--child")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--t0", type=float, default=0)
    parser.add_argument("--n", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.what == "prepare":
        *source, copy_dir = args.paths
        print(prepare(source[0] if source else STELLARIUM, copy_dir), "images written")
    elif args.what == "summary":
        table = summary(args.paths, args.at)
        print(f"ΔE2000 coloured on the validation split at colourfulness {args.at}")
        for variant, entry in sorted(table.items(), key=lambda kv: kv[1]["mean"]):
            runs = ", ".join(f"{v:.2f}" for v in entry["runs"].values())
            print(f"{variant:10s} {entry['mean']:.2f} ± {entry['sem']:.2f}  "
                  f"({len(entry['runs'])} seeds, {sorted(set(entry['epochs']))} epochs: {runs})")
    else:
        args.out = args.paths[0]
        if args.what == "child":
            train_and_score(args)
        else:
            run(args)


if __name__ == "__main__":
    main()
