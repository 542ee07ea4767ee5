"""Fusion of a deep frame and colour frames into bands on the deep frame's grid."""

import math
from dataclasses import dataclass

import torch

from ._classical import ratio_rule
from ._net import features
from ._operators import project_consistent, upsample_to

__all__ = ["FluxScaling", "fuse", "complete_middle", "lupton_display", "pad_for"]


@dataclass(frozen=True)
class FluxScaling:
    """The scaling in which the network sees linear flux: ``asinh(Q x / scale) / asinh(Q)``.

    ``scale=None`` is the identity, for display-ready inputs (the evaluation
    protocol's photographs), which are fused as given.

    Parameters
    ----------
    scale : float, `torch.Tensor` or None
        The flux mapped near 1 (e.g. a high percentile of the deep frame); a
        ``(batch, 1, 1, 1)`` tensor scales each image of a batch on its own.
    Q : float
        Softening: linear below ``scale / Q``, logarithmic above.
    """

    scale: float = None
    Q: float = 10.0

    def forward(self, x):
        """Linear flux to the network's scaling."""
        if self.scale is None:
            return x
        return torch.asinh(x * (self.Q / self.scale)) / math.asinh(self.Q)

    def inverse(self, y):
        """The network's scaling back to linear flux."""
        if self.scale is None:
            return y
        return torch.sinh(y * math.asinh(self.Q)) * (self.scale / self.Q)


def lupton_display(bands, scaling):
    """Colour-preserving display of ``(batch, 3, ny, nx)`` bands in a `FluxScaling`.

    Display-ready bands are clipped to [0, 1]; linear ones get one factor on
    all three, ``S(I) / I`` of their mean ``I`` (Lupton et al. 2004), and where
    the brightest band passes 1 all three are divided by it, so the hue is kept.
    """
    if scaling.scale is None:
        return bands.clamp(0, 1)
    intensity = bands.clamp(min=0).mean(1, keepdim=True)
    rgb = (bands * (scaling.forward(intensity) / intensity.clamp(min=1e-12))).clamp(min=0)
    return (rgb / rgb.max(1, keepdim=True).values.clamp(min=1.0)).clamp(0, 1)


def pad_for(x, multiple):
    """Reflect-pad the last two axes of ``x`` to multiples of ``multiple``; returns the
    padded tensor and the original ``(ny, nx)``."""
    import torch.nn.functional as F

    ny, nx = x.shape[-2:]
    py, px = (-ny) % multiple, (-nx) % multiple
    if py or px:
        mode = "reflect" if py < ny and px < nx else "replicate"
        x = F.pad(x, (0, px, 0, py), mode=mode)
    return x, (ny, nx)


def _add_residual(bands, scaled, residual, scaling):
    """``bands`` moved by ``residual`` in the network's scaling: exactly ``bands`` where the
    residual is zero (the rounding of the scaling's round trip cancels), with the
    residual's gradient everywhere (a zero-initialised network must still learn)."""
    return bands + (scaling.inverse(scaled + residual) - scaling.inverse(scaled))


def _residual(net, planes):
    padded, (ny, nx) = pad_for(planes, net.SIZE_MULTIPLE)
    return net(padded)[..., :ny, :nx]


def fuse(luma, frames, weights, *, net=None, sigma=0.0, scaling=FluxScaling(),
         iterations=6, softening=1e-3, noise=None, consistent=True):
    """Fuse a deep frame and colour frames in linear flux: classical rule plus learned detail.

    ``F = S⁻¹(S(K) + net(·))`` with ``K`` the colour ratios under the deep
    frame (`~astro_colorgan.fusion.ratio_rule`) and ``S`` the network's
    scaling, then projected so that the bands reproduce the frames
    (`~astro_colorgan.fusion.project_consistent`). Without ``net``, or with
    an untrained one, the result is the classical fusion.

    Parameters
    ----------
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the deep frame, sky subtracted.
    frames : `torch.Tensor`
        ``(batch, 3, my, mx)`` the colour frames R, G, B on a grid ``f`` times
        coarser than the deep frame's, aligned with it, sky subtracted.
    weights : sequence of float
        The deep frame as a weighted sum of R, G, B.
    net : `~astro_colorgan.fusion.DetailNet`, optional
        The residual network.
    sigma : float
        The frames' PSF blur beyond the deep frame's, in deep pixels.
    scaling : `FluxScaling`
        How the network sees the flux (identity for display-ready data).
    iterations : int
        Consistency iterations (0: none).
    softening : float or `torch.Tensor`
        The ratio rule's softening, about the frames' noise (see
        `~astro_colorgan.fusion.ratio_rule`).
    noise : float or `torch.Tensor`, optional
        The frames' noise per frame pixel: the bands are made to reproduce
        the frames to within it (None: exactly).
    consistent : bool
        Project onto the measured frames.

    Returns
    -------
    fused : `torch.Tensor`
        ``(batch, 3, ny, nx)`` linear bands.
    """
    shape = luma.shape[-2:]
    up = upsample_to(frames, shape)
    fused = ratio_rule(up, luma, weights, softening=softening)
    if net is not None:
        coarseness = shape[-1] / frames.shape[-1]
        planes = features(scaling.forward(luma), scaling.forward(up), scaling.forward(fused),
                          weights, coarseness=coarseness)
        fused = _add_residual(fused, scaling.forward(fused), _residual(net, planes), scaling)
    if consistent and iterations:
        fused = project_consistent(fused, frames, sigma=sigma, luma=luma, weights=weights,
                                   iterations=iterations, noise=noise)
    return fused


def complete_middle(blue, red, *, net=None, scaling=FluxScaling(), weights=(0.2126, 0.7152,
                                                                              0.0722)):
    """The missing middle band of two filters: their mean plus a learned residual.

    Parameters
    ----------
    blue, red : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the measured bands, linear (or display-ready).
    net : `~astro_colorgan.fusion.DetailNet`, optional
        The residual network (its green output is used).
    scaling : `FluxScaling`
        How the network sees the flux.
    weights : sequence of float
        Luminance weights of R, G, B.

    Returns
    -------
    `torch.Tensor`
        ``(batch, 3, ny, nx)`` R, G, B: red and blue as measured.
    """
    green = 0.5 * (blue + red)
    bands = torch.cat([red, green, blue], dim=1)
    if net is None:
        return bands
    s = scaling.forward(bands)
    w = torch.as_tensor(weights, dtype=s.dtype, device=s.device).view(1, -1, 1, 1)
    luma = (w * s).sum(1, keepdim=True)
    planes = features(luma, s, s, weights, two_band=True)
    green = _add_residual(green, s[:, 1:2], _residual(net, planes)[:, 1:2], scaling)
    return torch.cat([red, green, blue], dim=1)
