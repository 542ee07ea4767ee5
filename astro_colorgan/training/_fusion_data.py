"""Training cases of the fusion network: colour frames as instruments and the protocol make them.

Every case starts from a full-resolution truth ``T`` (a photograph, RGB in
[0, 1]) and makes what an observer would have:

``box``
    the evaluation protocol's colour frame: ``T`` binned ``f`` times by block
    mean and rounded to 8 bits, the deep frame its Rec. 709 luma; display-ready,
    fused as given (``f`` in 2, 4, 8, 16).
``wald``
    Wald's protocol in linear flux: ``T`` linearised (``T ** 2.2`` times a flux
    level), the deep frame its luminance plus Gaussian noise; the colour
    frames blurred to a broader PSF (FWHM ratio ``r`` in 1–2.5), binned ``f``
    times (2, 3, 4, 8, 16) and ``k`` times noisier (1–8) than the deep frame
    over the same area of sky (noise ``k σ / f`` per frame pixel); the network sees
    the flux through a `~astro_colorgan.fusion.FluxScaling`.
``two-band``
    the blue and red of ``T`` measured at full resolution, green missing.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ..colorspace import LUMA_WEIGHTS
from ..fusion import FluxScaling, degrade

__all__ = ["FusionCase", "FusionCases", "BOX_FACTORS", "WALD_FACTORS", "MODE_MIX"]

BOX_FACTORS = (2, 4, 8, 16)
WALD_FACTORS = (2, 3, 4, 8, 16)
#: How often each kind of case is drawn.
MODE_MIX = {"box": 0.5, "wald": 0.35, "two-band": 0.15}
#: The deep frame's PSF, a Gaussian of this standard deviation (pixels), for Wald's cases.
DEEP_SIGMA = 1.0


@dataclass
class FusionCase:
    """A batch of training cases of one kind.

    Attributes
    ----------
    kind : str
        ``'box'``, ``'wald'`` or ``'two-band'``.
    truth : `torch.Tensor`
        ``(batch, 3, ny, nx)`` the true bands (linear for ``wald``, with the
        deep frame's noise in its luminance: what was measured is the target).
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the deep frame.
    frames : `torch.Tensor`
        ``(batch, 3, my, mx)`` the colour frames (``two-band``: the truth with
        green replaced by nothing useful, at full resolution).
    sigma : float
        The frames' extra blur, in deep pixels.
    scaling : `~astro_colorgan.fusion.FluxScaling`
        How the network sees the flux (a scale per batch item for ``wald``).
    softening : float or `torch.Tensor`
        The ratio rule's softening (twice the frames' noise).
    noise : float or `torch.Tensor`
        The frames' noise per frame pixel (8-bit rounding for ``box``).
    """

    kind: str
    truth: torch.Tensor
    luma: torch.Tensor
    frames: torch.Tensor
    sigma: float
    scaling: FluxScaling
    softening: object = 1e-3
    noise: object = 1.0 / (255 * 12 ** 0.5)


def _crops(images, rng, batch, crop):
    out = np.empty((batch, 3, crop, crop), np.float32)
    chosen = np.empty(batch, int)
    for i in range(batch):
        chosen[i] = rng.integers(len(images))
        image = images[chosen[i]]
        ny, nx = image.shape[:2]
        y, x = rng.integers(0, ny - crop + 1), rng.integers(0, nx - crop + 1)
        patch = np.moveaxis(image[y:y + crop, x:x + crop], -1, 0)
        k = rng.integers(8)
        patch = np.rot90(patch[:, :, ::-1] if k >= 4 else patch, k % 4, axes=(1, 2))
        out[i] = patch
    return torch.from_numpy(out), chosen


def _luma(bands):
    w = torch.tensor(LUMA_WEIGHTS, dtype=bands.dtype).view(1, 3, 1, 1)
    return (w * bands).sum(1, keepdim=True)


class FusionCases:
    """Draws batches of `FusionCase` from photographs held in memory.

    Parameters
    ----------
    images : list of `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1], each at least ``crop`` on a side.
    crop : int
        Side of the crops (a multiple of 48 keeps every factor's blocks whole).
    seed : int
        Seed of the random stream.
    """

    def __init__(self, images, *, crop=96, seed=0):
        self.images = [im for im in images if min(im.shape[:2]) >= crop]
        if not self.images:
            raise ValueError(f"no training image is at least {crop} px on a side")
        self.crop = crop
        self.rng = np.random.default_rng(seed)
        # the flux scaling of Wald's cases is the whole image's, as at inference
        self.linear_scales = np.array([np.percentile(np.tensordot(
            np.clip(im, 0, None) ** 2.2, LUMA_WEIGHTS, axes=([-1], [0])), 99.5)
            for im in self.images], np.float32).clip(min=1e-4)

    def draw(self, batch, kind=None):
        """One batch of cases of one kind (drawn by `MODE_MIX` unless given)."""
        rng = self.rng
        if kind is None:
            kinds = list(MODE_MIX)
            kind = kinds[rng.choice(len(kinds), p=list(MODE_MIX.values()))]
        truth, chosen = _crops(self.images, rng, batch, self.crop)
        if kind == "box":
            return self._box(truth, int(rng.choice(BOX_FACTORS)))
        if kind == "two-band":
            return FusionCase(kind, truth, _luma(truth), truth, 0.0, FluxScaling())
        return self._wald(truth, self.linear_scales[chosen])

    def _box(self, truth, factor):
        small = self.crop // factor
        frames = torch.round(degrade(truth, (small, small)) * 255) / 255
        return FusionCase("box", truth, _luma(truth), frames, 0.0, FluxScaling())

    def _wald(self, truth, image_scales):
        rng = self.rng
        batch = truth.shape[0]
        factor = int(rng.choice(WALD_FACTORS))
        ratio = rng.uniform(1.0, 2.5)
        sigma = DEEP_SIGMA * float(np.sqrt(ratio ** 2 - 1.0))
        level = torch.from_numpy(10 ** rng.uniform(2, 3.5, (batch, 1, 1, 1))).float()
        linear = truth.clamp(min=0) ** 2.2 * level
        depth = torch.from_numpy(10 ** rng.uniform(-3.5, -2.0, (batch, 1, 1, 1))).float()
        noise = depth * level
        deep_noise = noise * torch.randn(batch, 1, self.crop, self.crop,
                                         generator=self._torch_rng())
        luma = _luma(linear) + deep_noise
        small = self.crop // factor
        shallower = torch.from_numpy(rng.uniform(1, 8, (batch, 1, 1, 1))).float()
        frames = degrade(linear, (small, small), sigma)
        # k times noisier than the deep frame over the same area of sky
        frame_noise = noise * shallower / factor
        frames = frames + frame_noise * torch.randn(frames.shape, generator=self._torch_rng())
        scale = torch.from_numpy(image_scales).float() * level.flatten()
        # the deep frame is a measurement: the bands to fuse carry its noise (in the
        # direction of its weights, as the luminance constraint puts it back)
        w = torch.tensor(LUMA_WEIGHTS).view(1, 3, 1, 1)
        target = linear + w * deep_noise / (w * w).sum()
        return FusionCase("wald", target, luma, frames, sigma,
                          FluxScaling(scale=scale.view(-1, 1, 1, 1)),
                          softening=2.0 * frame_noise, noise=frame_noise)

    def _torch_rng(self):
        return torch.Generator().manual_seed(int(self.rng.integers(2**62)))
