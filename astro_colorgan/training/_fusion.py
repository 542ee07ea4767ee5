"""Training the fusion network (`~astro_colorgan.fusion.DetailNet`) on Wald's protocol."""

import csv
import os
import time

import torch
from astropy import log

from ..colorspace import LUMA_WEIGHTS, delta_e94, rgb_to_lab
from ..datasets import find_images, is_coloured, read_color_image
from ..fusion import DetailNet, complete_middle, fuse, lupton_display
from ._fusion_data import FusionCases

__all__ = ["train_fusion", "fusion_loss", "FUSION_RECIPE"]

#: The recipe of the shipped fusion model (``--preset fusion``).
FUSION_RECIPE = {"width": 16, "crop": 96, "batch_size": 10, "steps": 7000, "lr": 1e-3,
                 "background_weight": 0.1, "max_side": 256, "iterations": 6}
#: L* above which a true pixel is foreground (as the evaluation protocol's masks).
_FOREGROUND_LSTAR = 15.0


def _case_loss(case, net, *, background_weight, iterations):
    """The mean CIE94 difference of one batch's display images, background pixels down-weighted."""
    scaling = case.scaling
    if case.kind == "two-band":
        predicted = complete_middle(case.frames[:, 2:3], case.frames[:, 0:1], net=net,
                                    scaling=scaling)
        truth = case.truth
    else:
        fused = fuse(case.luma, case.frames, LUMA_WEIGHTS, net=net, sigma=case.sigma,
                     scaling=scaling, iterations=iterations, softening=case.softening,
                     noise=case.noise)
        # scored as shown: box cases are display images, Wald's are shown with Lupton's scaling
        predicted, truth = fused, case.truth
        if case.kind == "wald":
            predicted, truth = lupton_display(fused, scaling), lupton_display(case.truth, scaling)
    lab_truth = rgb_to_lab(truth, axis=1)
    difference = delta_e94(lab_truth, rgb_to_lab(predicted, axis=1), axis=1)
    weight = torch.where(lab_truth[:, 0] > _FOREGROUND_LSTAR, 1.0, float(background_weight))
    return (weight * difference).sum() / weight.sum()


def fusion_loss(case, net, *, background_weight=0.1, iterations=6):
    """The loss of one batch relative to the classical fusion's (1: no better than it).

    The mean CIE94 difference (`~astro_colorgan.colorspace.delta_e94`) between
    the display images of the fused and the true bands, as the evaluation's
    ΔE00 sees them (box and two-band cases as given, Wald's cases through
    `~astro_colorgan.fusion.lupton_display`), with pixels whose true L* is
    below 15 weighted ``background_weight``; divided by the same loss of the
    classical fusion of the batch, so that every kind of case and every factor
    weighs alike, however hard it is.

    Parameters
    ----------
    case : `~astro_colorgan.training._fusion_data.FusionCase`
        The batch.
    net : `~astro_colorgan.fusion.DetailNet`
        The network being trained.
    background_weight : float
        Weight of the background pixels (true L* below 15).
    iterations : int
        Consistency iterations of the fusion (trained through).

    Returns
    -------
    loss : `torch.Tensor`
        A scalar.
    """
    options = {"background_weight": background_weight, "iterations": iterations}
    with torch.no_grad():
        classical = _case_loss(case, None, **options)
    return _case_loss(case, net, **options) / classical.clamp(min=1e-8)


def _images(data_dir, max_side):
    images = []
    for path in find_images(data_dir, split="fit"):
        try:
            rgb = read_color_image(path, max_side=max_side)
        except OSError:
            continue
        if is_coloured(rgb):
            images.append(rgb)
    return images


def train_fusion(data_dir, output, *, steps=None, seed=0, workdir=None, threads=None,
                 recipe=None, log_every=25, checkpoint_every=250, start=None, overwrite=False):
    """Train the fusion network on the ``fit`` split of a folder of colour photographs.

    Parameters
    ----------
    data_dir : str
        Folder of photographs (the fixed split rule applies: the test and
        validation splits are never trained on).
    output : str
        The ``.safetensors`` model file to write.
    steps : int, optional
        Optimisation steps (default: the recipe's).
    seed : int
        Seed of the crops, the cases and the initial weights.
    workdir : str, optional
        Folder for the loss log and checkpoints (default: beside ``output``).
    threads : int, optional
        torch threads.
    recipe : dict, optional
        Overrides of `FUSION_RECIPE`.
    log_every, checkpoint_every : int
        Steps between log lines and between checkpoints.
    start : str, optional
        A fusion model file to start from (fine-tuning).
    overwrite : bool
        Replace an existing ``output``.

    Returns
    -------
    net : `~astro_colorgan.fusion.DetailNet`
    """
    from ..fusion._model import save_fusion_model
    from ..io import check_output_path

    check_output_path(output, overwrite=overwrite)
    recipe = dict(FUSION_RECIPE, **(recipe or {}))
    steps = int(steps or recipe["steps"])
    if threads:
        torch.set_num_threads(int(threads))
    torch.manual_seed(seed)
    workdir = workdir or os.path.splitext(os.fspath(output))[0] + "_run"
    os.makedirs(workdir, exist_ok=True)
    cases = FusionCases(_images(data_dir, recipe["max_side"]), crop=recipe["crop"], seed=seed)
    log.info(f"fusion training on {len(cases.images)} photographs, {steps} steps")
    net = DetailNet(width=recipe["width"])
    if start is not None:
        from ..fusion._model import load_fusion_model

        net = load_fusion_model(start)[0].train()
    opt = torch.optim.Adam(net.parameters(), lr=recipe["lr"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe["lr"], total_steps=steps,
                                                pct_start=0.05)
    with open(os.path.join(workdir, "loss.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "kind", "loss", "seconds"])
        start = time.time()
        for step in range(1, steps + 1):
            case = cases.draw(recipe["batch_size"])
            loss = fusion_loss(case, net, background_weight=recipe["background_weight"],
                               iterations=recipe["iterations"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            writer.writerow([step, case.kind, f"{float(loss.detach()):.6f}",
                             f"{time.time() - start:.1f}"])
            if step % log_every == 0:
                handle.flush()
            if step % checkpoint_every == 0 or step == steps:
                save_fusion_model(net, os.path.join(workdir, f"step{step:06d}.safetensors"),
                                  info={"step": step, "seed": seed, "recipe": recipe},
                                  overwrite=True)
    save_fusion_model(net, output, info={"steps": steps, "seed": seed, "recipe": recipe,
                                         "data": os.path.basename(os.path.normpath(data_dir))},
                      overwrite=overwrite)
    return net
