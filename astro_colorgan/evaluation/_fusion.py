"""Scoring the fusion of a deep frame and colour frames: the protocol's modes and Wald's cases.

From each true image ``T`` (a photograph, RGB in [0, 1], at most 256 px):

``lrgbF`` (F = 2, 4, 8, 16)
    the protocol's colour frame, ``T`` shrunk ``F`` times by block mean (PIL
    ``BOX`` on the 8-bit image), and the deep frame, ``T``'s Rec. 709 luma;
    display-ready, fused as given.
``wald``
    Wald's protocol in linear flux (``T ** 2.2`` times 1000): the deep frame
    its luminance with Gaussian noise, the colour frames blurred to a PSF
    ``r`` times broader, binned ``f`` times and ``k`` times noisier over the same
    area of sky (`WALD_CASE`: r 2, f 4, k 4); truth and fused bands are shown
    with the same colour-preserving Lupton scaling for ΔE00.
``two-band``
    blue and red of ``T`` measured, green missing.

Every case is scored for the model and for each classical baseline
(`classical_candidates`): ΔE00 and colourfulness on the display image
(`~astro_colorgan.evaluation.image_metrics`), SAM and ERGAS on the bands
(torchmetrics), and the χ² per pixel of the bands' misfit to the measured
frames.
"""

import numpy as np
import torch

from ..colorspace import LUMA_WEIGHTS
from ..fusion import (FluxScaling, chroma_blur, complete_middle, consistency_chi2, degrade,
                      fuse, lstar_rule, lupton_display, upsample_to)
from ._metrics import image_metrics
from ._modes import CLASSICAL_CHOICE, coarse_frame

__all__ = ["WALD_CASE", "CHROMA_BLURS", "fusion_inputs", "classical_candidates", "model_fusion", "score_fusion", "band_metrics",
           "fusion_per_image"]

#: The realistic case: PSF ratio, binning, how much noisier the frames are, flux level,
#: deep noise relative to the flux level.
WALD_CASE = {"ratio": 2.0, "factor": 4, "shallower": 4.0, "level": 1000.0, "depth": 10 ** -2.75}
#: Chroma-blur widths (pixels) tried for each classical rule; chosen on validation.
CHROMA_BLURS = (0.0, 1.0, 2.0, 4.0)
#: 8-bit rounding noise, the protocol frames' noise.
_ROUNDING = 1.0 / (255 * 12 ** 0.5)


def _tensor(planes):
    return torch.from_numpy(np.ascontiguousarray(planes, np.float32))[None]


def fusion_inputs(truth, mode, rng, *, linear=None):
    """What an observer of ``truth`` has in a mode, as a dict of tensors and settings.

    Parameters
    ----------
    truth : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1].
    mode : str
        One of ``astro_colorgan.evaluation._modes.FUSION_MODES``.
    rng : `numpy.random.Generator`
        The noise of Wald's case.
    linear : `numpy.ndarray`, optional
        ``(3, ny, nx)`` a simulated field's own linear images, blue to red,
        best simulated without noise (``--no-noise``): Wald's case then starts
        from them, sky subtracted (the median of each), with the flux level
        the 99.5th percentile of their luminance instead of
        ``WALD_CASE['level']``.

    Returns
    -------
    dict
        ``truth`` (bands ``(1, 3, ny, nx)``, linear for ``wald``), ``luma``,
        ``frames``, ``sigma``, ``noise``, ``softening``, ``scaling`` and the
        display ``image`` itself.
    """
    bands = _tensor(np.moveaxis(truth, -1, 0))
    w = torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
    if mode == "two-band":
        return {"truth": bands, "luma": None, "frames": bands, "sigma": 0.0, "noise": 0.0,
                "softening": 1e-3, "scaling": FluxScaling(), "image": truth}
    if mode.startswith("lrgb"):
        frames = _tensor(coarse_frame(truth, int(mode[4:])))
        return {"truth": bands, "luma": (w * bands).sum(1, keepdim=True), "frames": frames,
                "sigma": 0.0, "noise": _ROUNDING, "softening": 1e-3, "scaling": FluxScaling(),
                "image": truth}
    case = WALD_CASE
    if linear is not None and mode == "wald":
        planes = np.asarray(linear, np.float64)[::-1]  # R, G, B
        linear = _tensor(planes - np.median(planes, axis=(1, 2), keepdims=True))
        level = float(torch.quantile((w * linear).sum(1).flatten(), 0.995).clamp(min=1e-12))
    else:
        linear = bands.clamp(min=0) ** 2.2 * case["level"]
        level = case["level"]
    noise = case["depth"] * level
    deep_noise = torch.from_numpy(rng.normal(0, noise, bands.shape[-2:]).astype(np.float32))
    luma = (w * linear).sum(1, keepdim=True) + deep_noise
    ny, nx = bands.shape[-2:]
    f = case["factor"]
    sigma = float(np.sqrt(case["ratio"] ** 2 - 1.0))
    frames = degrade(linear, (max(1, ny // f), max(1, nx // f)), sigma)
    frame_noise = noise * case["shallower"] / f
    frames = frames + torch.from_numpy(rng.normal(0, frame_noise, frames.shape)
                                       .astype(np.float32))
    scale = float(torch.quantile(luma.flatten(), 0.995).clamp(min=1e-6))
    return {"truth": linear, "luma": luma, "frames": frames, "sigma": sigma,
            "noise": frame_noise, "softening": 2.0 * frame_noise,
            "scaling": FluxScaling(scale=scale), "image": truth}


def display(bands, inputs):
    """``(ny, nx, 3)`` display image of fused or true bands in a case's scaling
    (`~astro_colorgan.fusion.lupton_display`)."""
    return np.moveaxis(lupton_display(bands, inputs["scaling"])[0].numpy(), 0, -1)


def _fuse_case(inputs, net, *, consistent):
    if inputs["luma"] is None:
        f = inputs["frames"]
        return complete_middle(f[:, 2:3], f[:, 0:1], net=net, scaling=inputs["scaling"])
    return fuse(inputs["luma"], inputs["frames"], LUMA_WEIGHTS, net=net, sigma=inputs["sigma"],
                scaling=inputs["scaling"], softening=inputs["softening"],
                noise=inputs["noise"] or None, consistent=consistent)


def classical_candidates(inputs, mode):
    """Each classical fusion of a case, by name (``ratio``, ``ratio+projection``,
    ``lstar`` and the protocol's own ``protocol classical`` for the protocol's modes,
    each but the last with every chroma blur of `CHROMA_BLURS`; ``mean`` for
    ``two-band``)."""
    if mode == "two-band":
        return {"mean": _fuse_case(inputs, None, consistent=False)}
    out = {}
    for name, consistent in (("ratio", False), ("ratio+projection", True)):
        fused = _fuse_case(inputs, None, consistent=consistent)
        for sigma in CHROMA_BLURS:
            out[f"{name} blur{sigma:g}"] = chroma_blur(fused, inputs["luma"], LUMA_WEIGHTS,
                                                       sigma, softening=inputs["softening"])
    if mode.startswith("lrgb"):
        from ._modes import baseline

        out["protocol classical"] = _tensor(np.moveaxis(baseline(inputs["image"], mode), -1, 0))
        up = upsample_to(inputs["frames"], inputs["luma"].shape[-2:])
        lstar = lstar_rule(np.moveaxis(up[0].numpy(), 0, -1), inputs["luma"][0, 0].numpy())
        lstar = _tensor(np.moveaxis(lstar, -1, 0))
        for sigma in CHROMA_BLURS:
            out[f"lstar blur{sigma:g}"] = chroma_blur(lstar, inputs["luma"], LUMA_WEIGHTS,
                                                      sigma, softening=inputs["softening"])
    return out


def model_fusion(inputs, net):
    """The model's fused bands of a case."""
    with torch.no_grad():
        return _fuse_case(inputs, net, consistent=True)


def band_metrics(fused, inputs):
    """SAM (degrees), ERGAS and the frames' χ² per pixel of fused bands (torchmetrics)."""
    from torchmetrics.functional.image import (error_relative_global_dimensionless_synthesis,
                                               spectral_angle_mapper)

    truth = inputs["truth"].double()
    pred = fused.double()
    positive = torch.minimum(truth, pred).clamp(min=0) > 0
    sam = float("nan")
    if positive.all(1).any():
        sam = float(spectral_angle_mapper(pred.clamp(min=1e-12), truth.clamp(min=1e-12),
                                          reduction="elementwise_mean")) * 180 / np.pi
    ratio = truth.shape[-1] / inputs["frames"].shape[-1]  # high to low resolution
    ergas = float(error_relative_global_dimensionless_synthesis(pred, truth, ratio=ratio))
    chi2 = float("nan")
    if inputs["luma"] is not None:
        chi2 = consistency_chi2(fused, inputs["frames"], inputs["noise"], sigma=inputs["sigma"])
    return {"sam": sam, "ergas": ergas, "chi2": chi2}


def score_fusion(truth, mode, fused, inputs):
    """The protocol metrics, band metrics and χ² of one fused case, as a dict."""
    shown_truth = truth if inputs["scaling"].scale is None else display(inputs["truth"], inputs)
    row = image_metrics(shown_truth, display(fused, inputs))
    row.update(band_metrics(fused, inputs))
    return row


def fusion_per_image(images, mode, nets, *, seed=0, linear=None):
    """Every classical candidate and every network scored on each image of a mode.

    Parameters
    ----------
    images : list of `numpy.ndarray`
        The true ``(ny, nx, 3)`` RGB images in [0, 1].
    mode : str
        One of ``astro_colorgan.evaluation._modes.FUSION_MODES``.
    nets : dict
        Label → `~astro_colorgan.fusion.DetailNet`.
    seed : int
        Seed of Wald's noise (drawn image by image, in order).
    linear : list, optional
        Per image, a simulated field's ``(3, ny, nx)`` linear images or None
        (see `fusion_inputs`).

    Returns
    -------
    per_image : dict
        System → list of metric dicts (`score_fusion`), one per image; the
        mode's chosen baseline (`CLASSICAL_CHOICE`) first, then the other
        candidates, then the networks.
    """
    rng = np.random.default_rng(seed)
    per_image = {CLASSICAL_CHOICE[mode]: []}
    for truth, bands in zip(images, linear or [None] * len(images)):
        inputs = fusion_inputs(truth, mode, rng, linear=bands)
        outputs = classical_candidates(inputs, mode)
        outputs.update({label: model_fusion(inputs, net) for label, net in nets.items()})
        for name, fused in outputs.items():
            per_image.setdefault(name, []).append(score_fusion(truth, mode, fused, inputs))
    return per_image
