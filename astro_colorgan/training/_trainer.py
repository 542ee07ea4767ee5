"""The training loop of the colorizer: GAN, L1 and the seed paper's L2 recipes."""

import contextlib
import csv
import json
import os
import signal
import time
from dataclasses import dataclass

import torch
from astropy import log

from ..datasets import find_images
from ..io._files import check_outputs
from ..io._signals import Terminated
from ..nets import save_model
from ..nets._model import check_model_name
from ..version import version
from ._checkpoint import read_checkpoint, write_checkpoint
from ._distributed import Processes
from ._losslog import CSV_COLUMNS, plot_losses, trim_csv
from ._presets import get_preset
from ._samples import TrainingImages
from ._step import build_networks, learning_rate, optimisation_step, training_batch
from ._validation import choose_decodings

__all__ = ["train"]


class _Interrupted(Exception):
    pass


def train(data_dir, output, *, preset="default", epochs=None, batch_size=None, crop=None,
          device="auto", resume=None, seed=0, workdir=None, checkpoint_every=1,
          overwrite=False, progress=True, max_steps=None, distributed=False, simulated=None):
    """Train a colorizer on a folder of colour images.

    Parameters
    ----------
    data_dir : str or path-like
        Folder of PNG/JPEG/TIFF images, RGB FITS cubes ``(3, ny, nx)`` or
        simulated fields (`~astro_colorgan.datasets.find_images`). Only
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
    simulated : str or path-like, optional
        Folder of simulated fields (``astro-colorize simulate``) for a recipe
        that mixes them in (``Preset.simulated``, e.g. ``'guided-mix'``):
        the fields of its training split are added, in name order, until
        they are that fraction of the training images.

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
                          overwrite=overwrite, progress=progress, max_steps=max_steps,
                          simulated=simulated)
    finally:
        procs.close()


@dataclass(eq=False)
class _Run:
    """The state of a training run: recipe, networks, optimisers, data and where it stands."""

    recipe: object
    procs: object
    model: object
    disc: object
    opt_g: object
    opt_d: object
    images: object
    workdir: str
    seed: int
    steps_per_epoch: int
    stop_at: int
    info: dict
    epoch: int = 0
    step: int = 0
    elapsed: float = 0.0

    @property
    def total(self):
        """The length of the learning-rate schedule, in steps."""
        return self.recipe.epochs * self.steps_per_epoch

    @property
    def done(self):
        """Steps done so far."""
        return self.epoch * self.steps_per_epoch + self.step

    @property
    def checkpoint_path(self):
        return os.path.join(self.workdir, "checkpoint.pt")

    @property
    def csv_path(self):
        return os.path.join(self.workdir, "losses.csv")

    def save_checkpoint(self, seconds):
        """Write the checkpoint (rank 0 only calls this)."""
        self.info["seconds"] = seconds
        write_checkpoint(self.checkpoint_path, self.model, self.disc, self.opt_g, self.opt_d,
                         self.epoch, self.step, self.info)


def _checked_recipe(preset, procs, *, epochs, batch_size, crop, simulated):
    """The recipe with its overrides, refused where it cannot be trained."""
    recipe = get_preset(preset, epochs=epochs, batch_size=batch_size, crop=crop)
    if recipe.simulated and simulated is None:
        raise ValueError(f"the {recipe.name!r} recipe mixes in simulated fields: give their "
                         "folder (simulated=)")
    if simulated is not None and not recipe.simulated:
        raise ValueError(f"the {recipe.name!r} recipe mixes in no simulated fields; choose one "
                         "that does (e.g. preset='guided-mix')")
    if not 0 <= recipe.simulated < 1:
        raise ValueError(f"the simulated fraction must be in [0, 1), not {recipe.simulated}")
    if recipe.crop % 16:
        raise ValueError(f"crop must be a multiple of 16, not {recipe.crop}")
    if recipe.loss == "gan" and recipe.crop < 64:
        raise ValueError(f"the discriminator needs crops of at least 64 px, not {recipe.crop}")
    if recipe.batch_size % procs.world_size:
        raise ValueError(f"a batch of {recipe.batch_size} cannot be shared evenly by "
                         f"{procs.world_size} processes: choose a multiple of "
                         f"{procs.world_size}")
    return recipe


def _setup(procs, recipe, data_dir, output, *, seed, workdir, max_steps, simulated):
    """Read the images, build the networks and optimisers, and make the run's folder."""
    dev = procs.device
    split = "fit" if recipe.validation else "train"
    paths = find_images(data_dir, split=split)
    workdir = os.fspath(workdir) if workdir else os.path.splitext(output)[0] + "-run"
    images = TrainingImages(paths, max_side=recipe.max_side, drop_grey=recipe.drop_grey)
    if recipe.simulated:
        images.mix_in(find_images(simulated, split=split), recipe.simulated)
    model, disc = build_networks(recipe, images, seed)
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
    total = recipe.epochs * steps_per_epoch
    info = {"package_version": version, "recipe": recipe.as_dict(), "seed": seed,
            "data": os.path.basename(os.path.normpath(os.fspath(data_dir))), "split": split,
            "n_images": len(images), "device": str(dev), "torch": torch.__version__}
    if recipe.simulated:
        info["simulated"] = os.path.basename(os.path.normpath(os.fspath(simulated)))
    if procs.distributed:
        info["processes"] = procs.world_size
    if procs.is_main:
        os.makedirs(workdir, exist_ok=True)
    return _Run(recipe, procs, model, disc, opt_g, opt_d, images, workdir, seed,
                steps_per_epoch, total if max_steps is None else min(total, max_steps), info)


def _check_resumable(state, resume, recipe, seed):
    """Refuse a checkpoint (read by `read_checkpoint`) of another recipe or seed."""
    saved = json.loads(state["info"])
    if saved["recipe"] != json.loads(json.dumps(recipe.as_dict())) or saved["seed"] != seed:
        raise ValueError(f"checkpoint {resume} was written by another recipe or seed")


def _resume(run, state):
    """Load a checkpoint of the same recipe and seed (`_check_resumable`) into the run."""
    saved = json.loads(state["info"])
    run.model.load_state_dict(state["model"])
    run.opt_g.load_state_dict(state["opt_g"])
    if run.disc is not None:
        run.disc.load_state_dict(state["disc"])
        run.opt_d.load_state_dict(state["opt_d"])
    run.epoch, run.step = state["epoch"], state["step"]
    run.elapsed = saved.get("seconds", 0.0)
    log.info(f"resuming at epoch {run.epoch}, step {run.step}")


def _stop_handlers(procs, stop):
    """Signal handlers for the run: SIGTERM (and with several processes SIGINT) stop it."""
    if procs.distributed:
        # stop every process after the same step: the request travels with the losses
        def request_stop(signum, frame):
            stop.append(signum)

        return {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    return {signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_terminated)}


def _one_step(run, generator, disc, order, amp, stop):
    """Train on the next batch of the epoch; returns the learning rate, the batch's mean
    losses, and whether every process is to stop."""
    recipe, procs = run.recipe, run.procs
    share = recipe.batch_size // procs.world_size
    batch = order[run.step * recipe.batch_size:(run.step + 1) * recipe.batch_size]
    batch = batch[procs.rank * share:(procs.rank + 1) * share]
    rgb, x, reference = training_batch(run.images, recipe, batch, run.epoch, run.seed,
                                       procs.device)
    lr = learning_rate(run.done, run.total, recipe.lr)
    for group in run.opt_g.param_groups:
        group["lr"] = lr
    if run.opt_d is not None:
        for group in run.opt_d.param_groups:
            group["lr"] = lr * recipe.lr_d / recipe.lr
    losses = optimisation_step(recipe, run.model, generator, disc, run.opt_g, run.opt_d, rgb,
                               x, reference, amp, procs)
    names = sorted(losses)
    values = torch.stack([losses[k] for k in names])
    stopping = False
    if procs.distributed:  # the batch's losses, and whether to stop
        flag = torch.tensor([float(bool(stop))], device=values.device)
        values = procs.mean(torch.cat([values, flag]))
        values, stopping = values[:-1], bool(values[-1] > 0)
    return lr, dict(zip(names, values.tolist())), stopping


def _loop(run, generator, disc, *, checkpoint_every, progress):
    """The epochs of the run, from where it stands to its end (or ``max_steps``)."""
    from tqdm import tqdm

    main, recipe = run.procs.is_main, run.recipe
    amp = run.procs.device.type == "cuda" or recipe.bfloat16
    stop = []
    handlers = _stop_handlers(run.procs, stop)
    new_file = not os.path.exists(run.csv_path)
    t0 = time.monotonic()
    seconds = lambda: run.elapsed + time.monotonic() - t0  # noqa: E731
    bar = tqdm(total=run.stop_at, initial=run.done, disable=not (progress and main),
               unit="step", desc=f"train {recipe.name}")
    try:
        with open(run.csv_path, "a", newline="") if main else contextlib.nullcontext() as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS) if main else None
            if main and new_file:
                writer.writeheader()
            while run.epoch < recipe.epochs and run.done < run.stop_at:
                shuffle = torch.Generator().manual_seed(run.seed * 100003 + run.epoch)
                order = torch.randperm(len(run.images), generator=shuffle)
                while run.step < run.steps_per_epoch and run.done < run.stop_at:
                    lr, losses, stopping = _one_step(run, generator, disc, order, amp, stop)
                    run.step += 1
                    if main:
                        row = {"epoch": run.epoch, "step": run.done, "lr": f"{lr:.3g}",
                               "seconds": f"{seconds():.1f}"}
                        writer.writerow(row | {k: f"{v:.5g}" for k, v in losses.items()})
                    bar.update(1)
                    bar.set_postfix(loss=f"{losses['loss_g']:.3g}", refresh=False)
                    if stopping:
                        raise _Interrupted()
                if run.step >= run.steps_per_epoch:
                    run.epoch, run.step = run.epoch + 1, 0
                    if main:
                        handle.flush()
                    if main and (run.epoch % checkpoint_every == 0
                                 or run.epoch == recipe.epochs):
                        run.save_checkpoint(seconds())
    except (KeyboardInterrupt, _Interrupted) as exc:
        if main:
            run.save_checkpoint(seconds())
            log.warning(f"interrupted: checkpoint written to {run.checkpoint_path}; continue "
                        f"with resume={str(run.checkpoint_path)!r} (astro-colorize train --resume)")
        run.procs.barrier()
        if isinstance(exc, KeyboardInterrupt):
            raise  # Terminated on SIGTERM (exit status 143), KeyboardInterrupt on Ctrl-C
        # several processes stop together, each as its signal asked
        raise (Terminated("terminated by signal SIGTERM") if signal.SIGTERM in stop
               else KeyboardInterrupt()) from None
    finally:
        bar.close()
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    run.elapsed = seconds()


def _train(procs, data_dir, output, *, preset, epochs, batch_size, crop, resume, seed, workdir,
           checkpoint_every, overwrite, progress, max_steps, simulated):
    """`train` on the processes ``procs``: check, set up, resume, loop, finish."""
    output = os.fspath(output)
    check_model_name(output)
    check_outputs([output], inputs=[resume], overwrite=overwrite)
    state = read_checkpoint(resume) if resume is not None else None  # before anything is made
    recipe = _checked_recipe(preset, procs, epochs=epochs, batch_size=batch_size, crop=crop,
                             simulated=simulated)
    if state is not None:  # before the run's folder is made
        _check_resumable(state, resume, recipe, seed)
    run = _setup(procs, recipe, data_dir, output, seed=seed, workdir=workdir,
                 max_steps=max_steps, simulated=simulated)
    if resume is not None:
        _resume(run, state)
    if procs.is_main:
        trim_csv(run.csv_path, run.done)
    # after loading: the wrappers copy rank 0's weights to the other processes
    generator = procs.wrap(run.model.generator)
    disc = procs.wrap(run.disc) if run.disc is not None else None
    _loop(run, generator, disc, checkpoint_every=checkpoint_every, progress=progress)
    run.info["seconds"] = round(run.elapsed, 1)
    run.info["epochs_done"] = run.epoch + run.step / run.steps_per_epoch
    run.info["steps"] = run.done
    if procs.is_main:
        _finish(run, data_dir=data_dir, output=output, overwrite=overwrite,
                simulated=simulated)
    procs.barrier()  # the others wait for rank 0's files
    return procs.broadcast_object(run.info)


def _finish(run, *, data_dir, output, overwrite, simulated):
    """The last checkpoint, the loss plot, the decoding choice and the model file."""
    recipe, model, info = run.recipe, run.model, run.info
    run.save_checkpoint(info["seconds"])
    plot_losses(run.csv_path, os.path.join(run.workdir, "losses.png"))
    model.eval()
    if recipe.validation and recipe.head == "classify":
        info.update(choose_decodings(model, data_dir, simulated))
    info["temperature"] = model.temperature
    info["saturation"] = model.saturation
    save_model(model.cpu(), output, info=info, overwrite=overwrite)
    log.info(f"model written to {output} ({info['seconds'] / 60:.1f} min of training)")


def _raise_terminated(signum, frame):
    raise Terminated(f"terminated by signal {signum}")


