"""One step of training: the batch, the networks it trains and the losses of each recipe."""

import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from astropy import log

from ..colorspace import (chroma_to_rgb, foreground_weight, relative_chroma, rgb_to_chroma,
                          rgb_to_luma)
from ..colorspace._ycbcr import RELATIVE_CHROMA_MAX
from ..nets import ColorModel, load_model
from ..nets._discriminator import PatchDiscriminator
from ..nets._generator import CHROMA_STRIDE
from ._bins import BIN_STEP, chroma_histogram, rebalancing_weights, select_bins, soft_encode
from ._losses import lsgan_discriminator_loss, lsgan_generator_loss, rebalanced_cross_entropy
from ._distributed import unwrap
from ._inputs import guided_input

__all__ = ["learning_rate", "build_networks", "training_batch", "optimisation_step"]


def learning_rate(step, total, base):
    """The learning rate at a step: a linear warm-up, then a cosine decay to 0."""
    warm = max(1, min(200, total // 20))
    if step < warm:
        return base * (step + 1) / warm
    return base * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def build_networks(preset, images, seed):
    """The generator (with its chroma bins) and the discriminator of a recipe."""
    torch.manual_seed(seed)
    if preset.init is not None:
        model = initialised_model(preset)
    elif preset.head == "classify":
        values, fg = images.chroma_values(CHROMA_STRIDE)
        counts = chroma_histogram(values, fg, step=BIN_STEP, limit=RELATIVE_CHROMA_MAX)
        centres, prior = select_bins(counts, min_count=1e-5 * counts.sum(), step=BIN_STEP,
                                     limit=RELATIVE_CHROMA_MAX)
        weights = rebalancing_weights(centres, prior, mix=preset.rebalance_mix, sigma=BIN_STEP)
        log.info(f"{len(centres)} chroma bins")
        model = ColorModel(width=preset.width, head="classify", bin_centres=centres,
                           bin_weights=weights, temperature=preset.temperature,
                           hints=preset.hints, subjects=preset.subjects)
    else:
        model = ColorModel(width=preset.width, head="regress", temperature=preset.temperature,
                           hints=preset.hints, subjects=preset.subjects)
    disc = PatchDiscriminator() if preset.loss == "gan" else None
    return model, disc


def initialised_model(preset):
    """A model started from the weights of a trained one (``Preset.init``).

    Its chroma bins are kept. A guided model started from a single-band one
    keeps the single-band weights and gets freshly initialised weights for
    its hint planes only (at the stem and before the head): with empty hint
    planes it starts as exactly that single-band colorizer.
    """
    from ..colorize import DEFAULT_MODEL, GUIDED_MIX_MODEL, SINGLE_BAND_MODEL

    path = {"single-band": SINGLE_BAND_MODEL, "guided-mix": GUIDED_MIX_MODEL,
            "default": DEFAULT_MODEL}.get(preset.init, preset.init)
    start, _ = load_model(path)
    if start.head != preset.head or start.width != preset.width:
        raise ValueError(f"{path} is a {start.head} model of width {start.width}; the recipe "
                         f"asks for {preset.head} of width {preset.width}")
    model = ColorModel(width=preset.width, head=preset.head, bin_centres=start.bin_centres,
                       bin_weights=start.bin_weights, temperature=preset.temperature,
                       hints=preset.hints, subjects=preset.subjects)
    state = model.state_dict()
    # only subject planes added: their weights start at 0, so that the model starts
    # as exactly the one it comes from (and a photograph's zero planes change nothing)
    subjects_only = start.hints == preset.hints and preset.subjects and not start.subjects
    for key, value in start.state_dict().items():
        if state[key].shape == value.shape:
            state[key] = value
        else:  # planes of the hints (or subjects) added: the others' weights kept
            state[key] = state[key].clone()
            if subjects_only:
                state[key].zero_()
            state[key][tuple(slice(0, n) for n in value.shape)] = value
    model.load_state_dict(state)
    log.info(f"started from {os.path.basename(os.fspath(path))}")
    return model


def training_batch(images, recipe, indices, epoch, seed, device):
    """The truth crops of a batch, the network's input made from them, and the luma
    their target chroma is relative to (all reproducible from the seed)."""
    rgbs, xs, references = [], [], []
    for i in indices:
        rgb, band, which = images.sample(int(i), epoch=epoch, seed=seed, crop=recipe.crop,
                                         scale_jitter=recipe.scale_jitter,
                                         augment=recipe.augment,
                                         gamma_jitter=recipe.gamma_jitter, band=True)
        rng = np.random.default_rng([seed, epoch, int(i), 1])
        subject = None
        if recipe.subjects:
            # a subject-conditioned model sees a field as users give it: one filter's own
            # data through the default display scaling, and the subject says which
            subject = images.subject(int(i), which)
        users_path = 1.0 if recipe.subjects and band is not None else recipe.users_path
        x, reference, mode = guided_input(rgb, rng, users_path=users_path, hints=recipe.hints,
                                          clean_frames=recipe.clean_frames,
                                          frame_noise=recipe.frame_noise, users_luma=band,
                                          subject=subject)
        if subject is not None and mode == "two-band" and band is not None:
            x[-4:] = images.subject(int(i))[:, None, None]  # the composite's luma is given
        rgbs.append(rgb)
        xs.append(x)
        references.append(reference)
    return tuple(torch.from_numpy(np.stack(a)).to(device) for a in (rgbs, xs, references))


def optimisation_step(preset, model, generator, disc, opt_g, opt_d, rgb, x, reference, amp, procs):
    """One optimisation step; returns the loss values (detached scalar tensors).

    ``generator`` is ``model.generator``, possibly wrapped for several
    processes (``disc`` too); ``rgb`` is this process's share of the batch,
    ``x`` the network's input made from it and ``reference`` the luma under
    which the target chroma is taken (see ``guided_input``).
    """
    luma_low = F.avg_pool2d(x[:, :1], CHROMA_STRIDE)
    # targets: relative chroma of the block means, weighted towards the object
    target_low = relative_chroma(F.avg_pool2d(rgb_to_chroma(rgb, axis=1), CHROMA_STRIDE),
                                 F.avg_pool2d(reference, CHROMA_STRIDE))
    target_low = target_low.clamp(-RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX)
    fg = foreground_weight(F.avg_pool2d(rgb_to_luma(rgb, axis=1)[:, None], CHROMA_STRIDE))
    fg_sum = fg.sum()
    # The foreground-weighted losses are sums divided by the weight of the batch. With
    # several processes each divides its own sum by the mean weight of the processes'
    # shares, so that the mean of their gradients (what DistributedDataParallel applies)
    # is the gradient of the whole batch's loss, as one process would compute it.
    fg_norm = procs.mean(fg_sum) if procs.distributed else fg_sum
    losses = {}
    with torch.autocast(device_type=rgb.device.type, dtype=torch.bfloat16, enabled=amp):
        raw = generator(x)
    raw = raw.float()
    pred_low = model.relative_lowres(raw, x=x)
    l1 = ((pred_low - target_low).abs() * fg).sum() / (2 * fg_norm)
    if preset.loss == "l2rgb":
        pred = model.decode(raw, x)
        loss_g = losses["loss_l2"] = F.mse_loss(chroma_to_rgb(x[:, 0], pred, axis=1), rgb)
    elif preset.loss == "l1":
        loss_g = losses["loss_l1"] = l1
    else:
        target, nearest = soft_encode(target_low, model.bin_centres, sigma=BIN_STEP)
        ce = rebalanced_cross_entropy(model.bin_logits(raw), target, nearest, model.bin_weights,
                                      fg[:, 0])
        if fg_norm is not fg_sum:  # the share's weight -> the mean share's (see above)
            ce = ce * (fg_sum.clamp(min=1e-6) / fg_norm)
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
        losses.update(loss_ce=ce, loss_l1=l1, loss_adv=adv, loss_d=loss_d)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    losses["loss_g"] = loss_g
    return {k: v.detach().float() for k, v in losses.items()}
