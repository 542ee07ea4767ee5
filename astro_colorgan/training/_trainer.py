"""The training loop of the colorizer: GAN, L1 and the seed paper's L2 recipes."""

import csv
import json
import math
import os
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F
from astropy import log

from ..datasets import find_images
from ..io import check_output_path
from ..nets import (CHROMA_STRIDE, RELATIVE_CHROMA_MAX, ColorModel, PatchDiscriminator,
                    chroma_histogram, chroma_to_rgb, foreground_weight,
                    lsgan_discriminator_loss, lsgan_generator_loss, rebalanced_cross_entropy,
                    rebalancing_weights, relative_chroma, resolve_device, rgb_to_chroma,
                    rgb_to_luma, save_model, select_bins, soft_encode)
from ..version import version
from ._presets import get_preset
from ._samples import TrainingImages
from ._validation import choose_temperature

__all__ = ["train", "CSV_COLUMNS"]

#: Columns of the loss log ``losses.csv``.
CSV_COLUMNS = ("epoch", "step", "lr", "loss_g", "loss_ce", "loss_l1", "loss_l2", "loss_adv",
               "loss_d", "seconds")


class _Interrupted(Exception):
    pass


def _lr_at(step, total, base):
    warm = max(1, min(200, total // 20))
    if step < warm:
        return base * (step + 1) / warm
    return base * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def _build(preset, images, seed):
    torch.manual_seed(seed)
    if preset.head == "classify":
        values, fg = images.relative_chroma_values(CHROMA_STRIDE)
        counts = chroma_histogram(values, fg)
        centres, prior = select_bins(counts, min_count=1e-5 * counts.sum())
        weights = rebalancing_weights(centres, prior, mix=preset.rebalance_mix)
        log.info(f"{len(centres)} chroma bins")
        model = ColorModel(width=preset.width, head="classify", bin_centres=centres,
                           bin_weights=weights, temperature=preset.temperature)
    else:
        model = ColorModel(width=preset.width, head="regress", temperature=preset.temperature)
    disc = PatchDiscriminator() if preset.loss == "gan" else None
    return model, disc


def _step(preset, model, disc, opt_g, opt_d, rgb, amp):
    """One optimisation step; returns the loss values."""
    luma = rgb_to_luma(rgb, axis=1)[:, None]
    luma_low = F.avg_pool2d(luma, CHROMA_STRIDE)
    # targets: relative chroma of the block means, weighted towards the object
    target_low = relative_chroma(F.avg_pool2d(rgb_to_chroma(rgb, axis=1), CHROMA_STRIDE), luma_low)
    target_low = target_low.clamp(-RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX)
    fg = foreground_weight(luma_low)
    losses = {}
    with torch.autocast(device_type=rgb.device.type, dtype=torch.bfloat16, enabled=amp):
        raw = model.generator(luma)
    raw = raw.float()
    pred_low = model.relative_lowres(raw)
    l1 = ((pred_low - target_low).abs() * fg).sum() / (2 * fg.sum())
    if preset.loss == "l2rgb":
        pred = model.decode(raw, luma)
        loss_g = losses["loss_l2"] = F.mse_loss(chroma_to_rgb(luma[:, 0], pred, axis=1), rgb)
    elif preset.loss == "l1":
        loss_g = losses["loss_l1"] = l1
    else:
        target, nearest = soft_encode(target_low, model.bin_centres)
        ce = rebalanced_cross_entropy(raw, target, nearest, model.bin_weights, fg[:, 0])
        # discriminator: real pairs towards 1, generated towards 0
        opt_d.zero_grad(set_to_none=True)
        loss_d = lsgan_discriminator_loss(disc(luma_low, target_low),
                                          disc(luma_low, pred_low.detach()))
        loss_d.backward()
        opt_d.step()
        # generator: the discriminator's gradient flows back through pred_low
        adv = lsgan_generator_loss(disc(luma_low, pred_low))
        loss_g = preset.lambda_ce * ce + preset.lambda_l1 * l1 + preset.lambda_adv * adv
        losses.update(loss_ce=ce.item(), loss_l1=l1.item(), loss_adv=adv.item(),
                      loss_d=loss_d.item())
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    losses["loss_g"] = loss_g.item()
    return {k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in losses.items()}


def _save_checkpoint(path, model, disc, opt_g, opt_d, epoch, step, info):
    state = {"model": model.state_dict(), "opt_g": opt_g.state_dict(), "epoch": epoch,
             "step": step, "info": json.dumps(info)}
    if disc is not None:
        state.update(disc=disc.state_dict(), opt_d=opt_d.state_dict())
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def _plot_losses(csv_path, png_path):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(rows))
    for name in CSV_COLUMNS[3:9]:
        values = np.array([float(r[name]) if r[name] else np.nan for r in rows])
        if np.isfinite(values).any():
            k = max(1, len(values) // 100)
            smooth = np.convolve(np.nan_to_num(values), np.ones(k) / k, mode="valid")
            ax.plot(x[: len(smooth)], smooth, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (running mean)")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def train(data_dir, output, *, preset="default", epochs=None, batch_size=None, crop=None,
          device="auto", resume=None, seed=0, workdir=None, checkpoint_every=1,
          overwrite=False, progress=True, max_steps=None):
    """Train a colorizer on a folder of colour images.

    Parameters
    ----------
    data_dir : str or path-like
        Folder of PNG/JPEG/TIFF images or RGB FITS cubes ``(3, ny, nx)``. Only
        the training split of `~astro_colorgan.datasets.in_test_split` is used
        (the test split never is).
    output : str or path-like
        The ``.safetensors`` model file to write.
    preset : str
        ``'default'``, ``'seed-paper'`` or ``'l1-only'`` (see
        `~astro_colorgan.training.PRESETS`).
    epochs, batch_size, crop : int, optional
        Override the preset's values.
    device : str
        ``'auto'``, ``'cpu'`` or ``'cuda'``; bfloat16 autocast is used on CUDA.
    resume : str or path-like, optional
        A checkpoint written by an earlier run; training continues exactly
        where it stopped.
    seed : int
        Random seed: runs on the CPU with the same seed give the same model.
    workdir : str or path-like, optional
        Folder for the checkpoint, ``losses.csv`` and ``losses.png``
        (default: the output's name with ``-run`` appended, beside it).
    checkpoint_every : int
        Epochs between checkpoints (one is also written on interruption).
    overwrite : bool
        Replace an existing output file.
    progress : bool
        Show a progress bar.
    max_steps : int, optional
        Stop after this many steps in total (for tests and smoke runs).

    Returns
    -------
    info : dict
        What was trained: recipe, data, time, and the validation results.
    """
    from tqdm import tqdm

    output = os.fspath(output)
    check_output_path(output, overwrite=overwrite)
    recipe = get_preset(preset, epochs=epochs, batch_size=batch_size, crop=crop)
    if recipe.crop % 16:
        raise ValueError(f"crop must be a multiple of 16, not {recipe.crop}")
    if recipe.loss == "gan" and recipe.crop < 64:
        raise ValueError(f"the discriminator needs crops of at least 64 px, not {recipe.crop}")
    dev = resolve_device(device)
    split = "fit" if recipe.validation else "train"
    paths = find_images(data_dir, split=split)
    workdir = os.fspath(workdir) if workdir else os.path.splitext(output)[0] + "-run"
    os.makedirs(workdir, exist_ok=True)
    images = TrainingImages(paths, max_side=recipe.max_side, drop_grey=recipe.drop_grey)
    model, disc = _build(recipe, images, seed)
    model.to(dev).train()
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_d = None
    if disc is not None:
        disc.to(dev).train()
        opt_d = torch.optim.Adam(disc.parameters(), lr=recipe.lr_d, betas=recipe.betas)
    steps_per_epoch = max(1, len(images) // recipe.batch_size)
    total = recipe.epochs * steps_per_epoch  # the learning-rate schedule's length
    stop_at = total if max_steps is None else min(total, max_steps)
    ckpt_path = os.path.join(workdir, "checkpoint.pt")
    csv_path = os.path.join(workdir, "losses.csv")
    start_epoch, start_step, elapsed = 0, 0, 0.0
    if resume is not None:
        state = torch.load(os.fspath(resume), map_location=dev, weights_only=True)
        saved = json.loads(state["info"])
        if saved["recipe"] != json.loads(json.dumps(recipe.as_dict())) or saved["seed"] != seed:
            raise ValueError(f"checkpoint {resume} was written by another recipe or seed")
        model.load_state_dict(state["model"])
        opt_g.load_state_dict(state["opt_g"])
        if disc is not None:
            disc.load_state_dict(state["disc"])
            opt_d.load_state_dict(state["opt_d"])
        start_epoch, start_step = state["epoch"], state["step"]
        elapsed = saved.get("seconds", 0.0)
        log.info(f"resuming at epoch {start_epoch}, step {start_step}")
    done = start_epoch * steps_per_epoch + start_step
    _trim_csv(csv_path, done)
    info = {"package_version": version, "recipe": recipe.as_dict(), "seed": seed,
            "data": os.path.basename(os.path.normpath(os.fspath(data_dir))), "split": split,
            "n_images": len(images), "device": str(dev), "torch": torch.__version__}
    amp = dev.type == "cuda"
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    new_file = not os.path.exists(csv_path)
    t0 = time.monotonic()
    bar = tqdm(total=stop_at, initial=done, disable=not progress, unit="step",
               desc=f"train {recipe.name}")
    epoch, step = start_epoch, start_step
    try:
        with open(csv_path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            if new_file:
                writer.writeheader()
            while epoch < recipe.epochs and done < stop_at:
                shuffle = torch.Generator().manual_seed(seed * 100003 + epoch)
                order = torch.randperm(len(images), generator=shuffle)
                while step < steps_per_epoch and done < stop_at:
                    batch = order[step * recipe.batch_size:(step + 1) * recipe.batch_size]
                    rgb = torch.from_numpy(np.stack([
                        images.sample(int(i), epoch=epoch, seed=seed, crop=recipe.crop,
                                      scale_jitter=recipe.scale_jitter, augment=recipe.augment,
                                      gamma_jitter=recipe.gamma_jitter)
                        for i in batch])).to(dev)
                    lr = _lr_at(done, total, recipe.lr)
                    for group in opt_g.param_groups:
                        group["lr"] = lr
                    if opt_d is not None:
                        for group in opt_d.param_groups:
                            group["lr"] = lr * recipe.lr_d / recipe.lr
                    losses = _step(recipe, model, disc, opt_g, opt_d, rgb, amp)
                    step += 1
                    done += 1
                    row = {"epoch": epoch, "step": done, "lr": f"{lr:.3g}",
                           "seconds": f"{elapsed + time.monotonic() - t0:.1f}"}
                    row.update({k: f"{v:.5g}" for k, v in losses.items()})
                    writer.writerow(row)
                    bar.update(1)
                    bar.set_postfix(loss=f"{losses['loss_g']:.3g}", refresh=False)
                if step >= steps_per_epoch:
                    epoch, step = epoch + 1, 0
                    handle.flush()
                    if epoch % checkpoint_every == 0 or epoch == recipe.epochs:
                        info["seconds"] = elapsed + time.monotonic() - t0
                        _save_checkpoint(ckpt_path, model, disc, opt_g, opt_d, epoch, 0, info)
    except (KeyboardInterrupt, _Interrupted):
        info["seconds"] = elapsed + time.monotonic() - t0
        _save_checkpoint(ckpt_path, model, disc, opt_g, opt_d, epoch, step, info)
        log.warning(f"interrupted: checkpoint written to {ckpt_path}; continue with "
                    f"--resume {ckpt_path}")
        raise KeyboardInterrupt from None
    finally:
        bar.close()
        signal.signal(signal.SIGTERM, previous)
    info["seconds"] = round(elapsed + time.monotonic() - t0, 1)
    info["epochs_done"] = epoch + step / steps_per_epoch
    info["steps"] = done
    _save_checkpoint(ckpt_path, model, disc, opt_g, opt_d, epoch, step, info)
    _plot_losses(csv_path, os.path.join(workdir, "losses.png"))
    model.eval()
    if recipe.validation and recipe.head == "classify":
        try:
            held_out = find_images(data_dir, split="validation")
        except ValueError:
            log.warning("no image in the validation split: the preset's decoding is kept")
            held_out = []
        if held_out:
            (model.temperature, model.saturation), info["validation"] = choose_temperature(
                model, held_out)
            log.info(f"decoding chosen on the validation split: temperature "
                     f"{model.temperature}, saturation {model.saturation}")
    info["temperature"] = model.temperature
    info["saturation"] = model.saturation
    save_model(model.cpu(), output, info=info, overwrite=overwrite)
    log.info(f"model written to {output} ({info['seconds'] / 60:.1f} min of training)")
    return info


def _raise_interrupt(signum, frame):
    raise _Interrupted()


def _trim_csv(csv_path, steps):
    """Keep only the rows of steps already done (for an exact resume)."""
    if not os.path.exists(csv_path):
        return
    with open(csv_path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= steps]
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
