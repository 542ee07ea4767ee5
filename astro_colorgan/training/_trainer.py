"""The training loop of the colorizer: GAN, L1 and the seed paper's L2 recipes."""

import contextlib
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
                    bin_grid, chroma_histogram, chroma_to_rgb, foreground_weight,
                    lsgan_discriminator_loss, lsgan_generator_loss, rebalanced_cross_entropy,
                    rebalancing_weights, relative_chroma, rgb_to_chroma, rgb_to_lab,
                    rgb_to_luma, save_model, select_bins, soft_encode)
from ..version import version
from ._checkpoint import read_checkpoint
from ._distributed import Processes, unwrap
from ._presets import get_preset
from ._samples import TrainingImages
from ._validation import choose_temperature

__all__ = ["train", "CSV_COLUMNS"]

#: Columns of the loss log ``losses.csv``.
CSV_COLUMNS = ("epoch", "step", "lr", "loss_g", "loss_ce", "loss_l1", "loss_l2", "loss_adv",
               "loss_d", "loss_palette", "seconds")


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
        step, limit, sigma = bin_grid(preset.bins)
        values, fg = images.chroma_values(CHROMA_STRIDE, space=preset.bins)
        counts = chroma_histogram(values, fg, step=step, limit=limit)
        centres, prior = select_bins(counts, min_count=1e-5 * counts.sum(), step=step,
                                     limit=limit)
        weights = rebalancing_weights(centres, prior, mix=preset.rebalance_mix, sigma=sigma)
        log.info(f"{len(centres)} chroma bins ({preset.bins})")
        model = ColorModel(width=preset.width, head="classify", bin_centres=centres,
                           bin_weights=weights, temperature=preset.temperature,
                           bin_space=preset.bins, palette=preset.palette)
    else:
        model = ColorModel(width=preset.width, head="regress", temperature=preset.temperature)
    disc = PatchDiscriminator() if preset.loss == "gan" else None
    return model, disc


def _step(preset, model, generator, disc, opt_g, opt_d, rgb, amp, procs):
    """One optimisation step; returns the loss values (detached scalar tensors).

    ``generator`` is ``model.generator``, possibly wrapped for several
    processes (``disc`` too); ``rgb`` is this process's share of the batch.
    """
    luma = rgb_to_luma(rgb, axis=1)[:, None]
    luma_low = F.avg_pool2d(luma, CHROMA_STRIDE)
    # targets: relative chroma of the block means, weighted towards the object
    target_low = relative_chroma(F.avg_pool2d(rgb_to_chroma(rgb, axis=1), CHROMA_STRIDE), luma_low)
    target_low = target_low.clamp(-RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX)
    fg = foreground_weight(luma_low)
    fg_sum = fg.sum()
    # The foreground-weighted losses are sums divided by the weight of the batch. With
    # several processes each divides its own sum by the mean weight of the processes'
    # shares, so that the mean of their gradients (what DistributedDataParallel applies)
    # is the gradient of the whole batch's loss, as one process would compute it.
    fg_norm = procs.mean(fg_sum) if procs.distributed else fg_sum
    losses = {}
    palette = model.generator.palette
    with torch.autocast(device_type=rgb.device.type, dtype=torch.bfloat16, enabled=amp):
        out = generator(luma, return_palette=palette)
    raw, palette_logits = out if palette else (out, None)
    raw = raw.float()
    pred_low = model.relative_lowres(raw, luma_low=luma_low)
    l1 = ((pred_low - target_low).abs() * fg).sum() / (2 * fg_norm)
    if preset.loss == "l2rgb":
        pred = model.decode(raw, luma)
        loss_g = losses["loss_l2"] = F.mse_loss(chroma_to_rgb(luma[:, 0], pred, axis=1), rgb)
    elif preset.loss == "l1":
        loss_g = losses["loss_l1"] = l1
    else:
        _, limit, sigma = bin_grid(model.bin_space)
        if model.bin_space == "lab":
            binned = rgb_to_lab(F.avg_pool2d(rgb, CHROMA_STRIDE), axis=1)[:, 1:]
        else:
            binned = target_low
        target, nearest = soft_encode(binned.clamp(-limit, limit), model.bin_centres, sigma=sigma)
        ce = rebalanced_cross_entropy(raw, target, nearest, model.bin_weights, fg[:, 0])
        if fg_norm is not fg_sum:  # the share's weight -> the mean share's (see above)
            ce = ce * (fg_sum.clamp(min=1e-6) / fg_norm)
        if palette:
            # each image's palette is the foreground-weighted mean of its soft targets, and
            # its cross-entropy counts with the image's foreground weight: together, the
            # foreground-weighted sum of the targets against the predicted log-palette
            log_palette = torch.log_softmax(palette_logits.float(), dim=1)
            weighted = (target * fg).sum(dim=(2, 3))
            losses["loss_palette"] = -(weighted * log_palette).sum() / fg_norm.clamp(min=1e-6)
        # discriminator: real pairs towards 1, generated towards 0
        opt_d.zero_grad(set_to_none=True)
        loss_d = lsgan_discriminator_loss(disc(luma_low, target_low),
                                          disc(luma_low, pred_low.detach()))
        loss_d.backward()
        opt_d.step()
        # generator: the discriminator's gradient flows back through pred_low, not into
        # the discriminator's weights (frozen, and called outside its parallel wrapper so
        # that its gradients are not reduced a second time)
        plain = unwrap(disc)
        plain.requires_grad_(False)
        try:
            adv = lsgan_generator_loss(plain(luma_low, pred_low))
        finally:
            plain.requires_grad_(True)
        loss_g = preset.lambda_ce * ce + preset.lambda_l1 * l1 + preset.lambda_adv * adv
        if palette:
            loss_g = loss_g + preset.lambda_palette * losses["loss_palette"]
        losses.update(loss_ce=ce, loss_l1=l1, loss_adv=adv, loss_d=loss_d)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    losses["loss_g"] = loss_g
    return {k: v.detach().float() for k, v in losses.items()}


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
    for name in CSV_COLUMNS[3:-1]:
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
          overwrite=False, progress=True, max_steps=None, distributed=False):
    """Train a colorizer on a folder of colour images.

    Parameters
    ----------
    data_dir : str or path-like
        Folder of PNG/JPEG/TIFF images or RGB FITS cubes ``(3, ny, nx)``. Only
        the training split of `~astro_colorgan.datasets.in_test_split` is used
        (the test split never is).
    output : str or path-like
        The ``.safetensors`` model file to write.
    preset : str or `~astro_colorgan.training.Preset`
        The name of a recipe in `~astro_colorgan.training.PRESETS`
        (``'default'``, ``'seed-paper'``, ``'l1-only'``, ...), or a recipe
        (e.g. ``get_preset("default", lr=1e-3)``).
    epochs, batch_size, crop : int, optional
        Override the preset's values. ``batch_size`` is the batch of a step
        over all processes together.
    device : str
        ``'auto'``, ``'cpu'`` or ``'cuda'``; bfloat16 autocast is used on CUDA,
        and on the CPU where the recipe says so (``Preset.bfloat16``).
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
    distributed : bool
        Train as one of several processes started by ``torchrun``
        (``torchrun --nproc_per_node N -m astro_colorgan.training ...``),
        or in a ``torch.distributed`` process group already started: one
        process per GPU (``cuda:LOCAL_RANK``, NCCL) or several on the CPU
        (gloo). See the notes.

    Returns
    -------
    info : dict
        What was trained: recipe, data, time, and the validation results
        (the same on every process).

    Raises
    ------
    ValueError
        For a bad recipe, data folder or device, a batch that the processes
        cannot share evenly, or a checkpoint of another recipe.
    RuntimeError
        If ``distributed`` is set outside a ``torchrun`` launch.

    Notes
    -----
    With ``distributed``, every process takes its own ``1/N`` of each batch
    (which must divide evenly) from the same seeded shuffle, and
    `~torch.nn.parallel.DistributedDataParallel` averages the gradients of
    the generator and the discriminator. The foreground-weighted losses of
    each process are normalised by the weight of the whole batch, so a run
    on ``N`` processes follows the same steps as one process with the same
    ``batch_size`` and seed; only the order of floating-point sums differs
    (the weights agree to about 1e-6 after a few steps on the CPU). Only rank
    0 writes the checkpoint, ``losses.csv``, ``losses.png`` and the model,
    and chooses the decoding on the validation split while the others wait;
    every process reads the checkpoint on ``resume``. An interruption
    (SIGTERM or Ctrl-C) stops all the processes after the same step, and
    rank 0 writes the checkpoint.
    """
    procs = Processes.start(device) if distributed else Processes.single(device)
    try:
        with procs.quiet_unless_main():
            return _train(procs, data_dir, output, preset=preset, epochs=epochs,
                          batch_size=batch_size, crop=crop, resume=resume, seed=seed,
                          workdir=workdir, checkpoint_every=checkpoint_every,
                          overwrite=overwrite, progress=progress, max_steps=max_steps)
    finally:
        procs.close()


def _train(procs, data_dir, output, *, preset, epochs, batch_size, crop, resume, seed, workdir,
           checkpoint_every, overwrite, progress, max_steps):
    from tqdm import tqdm

    output = os.fspath(output)
    check_output_path(output, overwrite=overwrite)
    state = read_checkpoint(resume) if resume is not None else None  # before anything is made
    recipe = get_preset(preset, epochs=epochs, batch_size=batch_size, crop=crop)
    if recipe.crop % 16:
        raise ValueError(f"crop must be a multiple of 16, not {recipe.crop}")
    if recipe.palette and recipe.loss != "gan":
        raise ValueError(f"a palette is trained by the 'gan' loss only, not {recipe.loss!r}")
    if recipe.loss == "gan" and recipe.crop < 64:
        raise ValueError(f"the discriminator needs crops of at least 64 px, not {recipe.crop}")
    if recipe.batch_size % procs.world_size:
        raise ValueError(f"a batch of {recipe.batch_size} cannot be shared evenly by "
                         f"{procs.world_size} processes: choose a multiple of "
                         f"{procs.world_size}")
    share = recipe.batch_size // procs.world_size
    dev = procs.device
    main = procs.is_main
    split = "fit" if recipe.validation else "train"
    paths = find_images(data_dir, split=split)
    workdir = os.fspath(workdir) if workdir else os.path.splitext(output)[0] + "-run"
    if main:
        os.makedirs(workdir, exist_ok=True)
    images = TrainingImages(paths, max_side=recipe.max_side, drop_grey=recipe.drop_grey)
    model, disc = _build(recipe, images, seed)
    model.to(dev).train()
    # the bins come from the same data on every process; rank 0's are kept to be sure
    procs.broadcast_(model.bin_centres)
    procs.broadcast_(model.bin_weights)
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
    # after loading: the wrappers copy rank 0's weights to the other processes
    generator = procs.wrap(model.generator)
    disc_run = procs.wrap(disc) if disc is not None else None
    done = start_epoch * steps_per_epoch + start_step
    if main:
        _trim_csv(csv_path, done)
    info = {"package_version": version, "recipe": recipe.as_dict(), "seed": seed,
            "data": os.path.basename(os.path.normpath(os.fspath(data_dir))), "split": split,
            "n_images": len(images), "device": str(dev), "torch": torch.__version__}
    if procs.distributed:
        info["processes"] = procs.world_size
    amp = dev.type == "cuda" or recipe.bfloat16
    stop = []
    if procs.distributed:
        # stop every process after the same step: the request travels with the losses
        def request_stop(signum, frame):
            stop.append(signum)

        handlers = {sig: signal.signal(sig, request_stop)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
    else:
        handlers = {signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt)}
    new_file = not os.path.exists(csv_path)
    t0 = time.monotonic()
    bar = tqdm(total=stop_at, initial=done, disable=not (progress and main), unit="step",
               desc=f"train {recipe.name}")
    epoch, step = start_epoch, start_step
    try:
        with open(csv_path, "a", newline="") if main else contextlib.nullcontext() as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS) if main else None
            if main and new_file:
                writer.writeheader()
            while epoch < recipe.epochs and done < stop_at:
                shuffle = torch.Generator().manual_seed(seed * 100003 + epoch)
                order = torch.randperm(len(images), generator=shuffle)
                while step < steps_per_epoch and done < stop_at:
                    batch = order[step * recipe.batch_size:(step + 1) * recipe.batch_size]
                    batch = batch[procs.rank * share:(procs.rank + 1) * share]
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
                    losses = _step(recipe, model, generator, disc_run, opt_g, opt_d, rgb, amp,
                                   procs)
                    names = sorted(losses)
                    values = torch.stack([losses[k] for k in names])
                    if procs.distributed:  # the batch's losses, and whether to stop
                        flag = torch.tensor([float(bool(stop))], device=values.device)
                        values = procs.mean(torch.cat([values, flag]))
                        values, stopping = values[:-1], bool(values[-1] > 0)
                    else:
                        stopping = False
                    losses = dict(zip(names, values.tolist()))
                    step += 1
                    done += 1
                    if main:
                        row = {"epoch": epoch, "step": done, "lr": f"{lr:.3g}",
                               "seconds": f"{elapsed + time.monotonic() - t0:.1f}"}
                        row.update({k: f"{v:.5g}" for k, v in losses.items()})
                        writer.writerow(row)
                    bar.update(1)
                    bar.set_postfix(loss=f"{losses['loss_g']:.3g}", refresh=False)
                    if stopping:
                        raise _Interrupted()
                if step >= steps_per_epoch:
                    epoch, step = epoch + 1, 0
                    if main:
                        handle.flush()
                    if main and (epoch % checkpoint_every == 0 or epoch == recipe.epochs):
                        info["seconds"] = elapsed + time.monotonic() - t0
                        _save_checkpoint(ckpt_path, model, disc, opt_g, opt_d, epoch, 0, info)
    except (KeyboardInterrupt, _Interrupted):
        if main:
            info["seconds"] = elapsed + time.monotonic() - t0
            _save_checkpoint(ckpt_path, model, disc, opt_g, opt_d, epoch, step, info)
            log.warning(f"interrupted: checkpoint written to {ckpt_path}; continue with "
                        f"--resume {ckpt_path}")
        procs.barrier()
        raise KeyboardInterrupt from None
    finally:
        bar.close()
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    info["seconds"] = round(elapsed + time.monotonic() - t0, 1)
    info["epochs_done"] = epoch + step / steps_per_epoch
    info["steps"] = done
    if main:
        _finish(recipe, model, disc, opt_g, opt_d, epoch, step, info, data_dir=data_dir,
                workdir=workdir, output=output, overwrite=overwrite)
    procs.barrier()  # the others wait for rank 0's files
    return procs.broadcast_object(info)


def _finish(recipe, model, disc, opt_g, opt_d, epoch, step, info, *, data_dir, workdir, output,
            overwrite):
    """The last checkpoint, the loss plot, the decoding choice and the model file."""
    _save_checkpoint(os.path.join(workdir, "checkpoint.pt"), model, disc, opt_g, opt_d, epoch,
                     step, info)
    _plot_losses(os.path.join(workdir, "losses.csv"), os.path.join(workdir, "losses.png"))
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
