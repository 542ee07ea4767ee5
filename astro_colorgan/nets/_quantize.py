"""Quantised chroma: the bins of the classification head and their weights.

Following Zhang, Isola & Efros (2016, "Colorful Image Colorization"), a
chroma plane is cut into square bins: either the CIELAB (a*, b*) plane, as
they did, in steps of `LAB_BIN_STEP`, or the plane of relative chroma
(Cb, Cr) / (Y + eps) in steps of `BIN_STEP`. The generator predicts a
distribution over the bins seen in the training data;
targets are soft-encoded over the nearest bins; rare (saturated) bins can be
up-weighted so that the loss is not won by predicting grey-brown averages; and
the distribution is decoded with an annealed mean that trades saturation
against the safety of the mean.
"""

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "BIN_STEP",
    "RELATIVE_CHROMA_MAX",
    "LAB_BIN_STEP",
    "LAB_CHROMA_MAX",
    "LAB_TABLE_LEVELS",
    "bin_grid",
    "lab_bin_table",
    "annealed_mean_at_luma",
    "chroma_histogram",
    "select_bins",
    "rebalancing_weights",
    "soft_encode",
    "annealed_mean",
]

#: Width of a bin of relative chroma (see `~astro_colorgan.nets.relative_chroma`).
BIN_STEP = 0.1
#: Relative chroma is clipped to [-RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX].
RELATIVE_CHROMA_MAX = 2.5
#: Width of a bin of CIELAB a*, b* (Zhang et al.'s grid).
LAB_BIN_STEP = 10.0
#: CIELAB a*, b* are clipped to [-LAB_CHROMA_MAX, LAB_CHROMA_MAX] (the sRGB gamut lies inside).
LAB_CHROMA_MAX = 110.0
#: Number of luma levels (0 to 1) at which `lab_bin_table` tabulates each CIELAB bin.
LAB_TABLE_LEVELS = 33


def bin_grid(space):
    """The grid of a bin space: bin width, half-width, and soft-encoding width.

    CIELAB bins follow Zhang et al. (2016): 10 wide, targets and prior
    smoothed over 5; relative-chroma bins smooth over one bin.

    Parameters
    ----------
    space : {'relative', 'lab'}
        What the bins quantise.

    Returns
    -------
    step, limit, sigma : float
        For `chroma_histogram` and `select_bins` (``step``, ``limit``),
        `rebalancing_weights` and `soft_encode` (``sigma``).
    """
    if space == "lab":
        return LAB_BIN_STEP, LAB_CHROMA_MAX, LAB_BIN_STEP / 2
    if space == "relative":
        return BIN_STEP, RELATIVE_CHROMA_MAX, BIN_STEP
    raise ValueError(f"bin space must be 'relative' or 'lab', not {space!r}")


def _n_side(step, limit):
    return int(round(2 * limit / step)) + 1


def _grid_index(values, step, limit):
    """Index of the grid bin of each pair; values is (..., 2) numpy."""
    n_side = _n_side(step, limit)
    ij = np.clip(np.rint((values + limit) / step), 0, n_side - 1).astype(np.int64)
    return ij[..., 0] * n_side + ij[..., 1]


def chroma_histogram(values, weights=None, *, step=BIN_STEP, limit=RELATIVE_CHROMA_MAX):
    """(Weighted) counts of chroma values in the full grid of bins.

    Parameters
    ----------
    values : `numpy.ndarray`
        ``(..., 2)`` chroma: relative (Cb, Cr) or CIELAB (a*, b*).
    weights : `numpy.ndarray`, optional
        ``(...)`` weight of each value.
    step, limit : float
        Bin width, and the half-width of the grid (values beyond are put in the
        edge bins): `BIN_STEP` and `RELATIVE_CHROMA_MAX` for relative chroma,
        `LAB_BIN_STEP` and `LAB_CHROMA_MAX` for CIELAB.

    Returns
    -------
    counts : `numpy.ndarray`
        ``(n_side**2,)`` counts.
    """
    index = _grid_index(np.asarray(values), step, limit).ravel()
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    return np.bincount(index, weights=w, minlength=_n_side(step, limit) ** 2)


def select_bins(counts, *, min_count=1, step=BIN_STEP, limit=RELATIVE_CHROMA_MAX):
    """Centres and probabilities of the bins that occur in the training data.

    Parameters
    ----------
    counts : `numpy.ndarray`
        Full-grid counts from `chroma_histogram`.
    min_count : int
        Bins with fewer counts are dropped.
    step, limit : float
        The grid, as given to `chroma_histogram`.

    Returns
    -------
    centres : `numpy.ndarray`
        ``(K, 2)`` float32 (Cb, Cr) bin centres.
    prior : `numpy.ndarray`
        ``(K,)`` float32 empirical probabilities of the kept bins.
    """
    keep = np.flatnonzero(counts >= min_count)
    if keep.size == 0:
        raise ValueError("no chroma bin holds data: is the training set empty?")
    i, j = np.divmod(keep, _n_side(step, limit))
    centres = np.stack([i * step, j * step], axis=1) - limit
    centres = centres.astype(np.float32)
    prior = counts[keep].astype(np.float64)
    return centres, (prior / prior.sum()).astype(np.float32)


def rebalancing_weights(centres, prior, *, mix=0.5, sigma=None):
    """Class-rebalancing weights, ``w ∝ ((1 - mix) p̃ + mix / K)^-1`` with ``E_p̃[w] = 1``.

    Parameters
    ----------
    centres, prior : `numpy.ndarray`
        From `select_bins`.
    mix : float
        Weight of the uniform distribution (Zhang et al. use 0.5).
    sigma : float, optional
        Width of the Gaussian smoothing of the prior in the chroma plane
        (default: one bin of relative chroma, `BIN_STEP`).

    Returns
    -------
    weights : `numpy.ndarray`
        ``(K,)`` float32.
    """
    sigma = BIN_STEP if sigma is None else sigma
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    kernel = np.exp(-d2 / (2 * sigma**2))
    smooth = kernel @ prior
    smooth /= smooth.sum()
    weights = 1.0 / ((1 - mix) * smooth + mix / len(prior))
    weights /= (smooth * weights).sum()
    return weights.astype(np.float32)


def soft_encode(chroma, centres, *, neighbours=5, sigma=None):
    """Soft targets: Gaussian weights over the nearest bins.

    Parameters
    ----------
    chroma : `torch.Tensor`
        ``(batch, 2, ny, nx)`` Cb, Cr.
    centres : `torch.Tensor`
        ``(K, 2)`` bin centres.
    neighbours : int
        Number of nearest bins sharing each target.
    sigma : float, optional
        Width of the Gaussian (default: one bin of relative chroma,
        `BIN_STEP`; Zhang et al. use 5 for CIELAB bins of 10).

    Returns
    -------
    target : `torch.Tensor`
        ``(batch, K, ny, nx)`` probabilities.
    nearest : `torch.Tensor`
        ``(batch, ny, nx)`` index of the nearest bin.
    """
    sigma = BIN_STEP if sigma is None else sigma
    b, _, ny, nx = chroma.shape
    flat = chroma.permute(0, 2, 3, 1).reshape(-1, 2)
    d2 = torch.cdist(flat, centres).pow(2)
    k = min(neighbours, centres.shape[0])
    dist, idx = d2.topk(k, dim=1, largest=False)
    w = torch.softmax(-dist / (2 * sigma**2), dim=1)
    target = torch.zeros_like(d2).scatter_(1, idx, w)
    target = target.reshape(b, ny, nx, -1).permute(0, 3, 1, 2)
    return target, idx[:, 0].reshape(b, ny, nx)


def annealed_mean(logits, centres, temperature):
    """Decode bin logits into chroma: mean of ``softmax(logits / T)``.

    Parameters
    ----------
    logits : `torch.Tensor`
        ``(batch, K, ny, nx)``.
    centres : `torch.Tensor`
        ``(K, 2)`` bin centres.
    temperature : float
        1 gives the mean (safe, desaturated); towards 0 the mode (saturated).

    Returns
    -------
    chroma : `torch.Tensor`
        ``(batch, 2, ny, nx)``.
    """
    p = F.softmax(logits / temperature, dim=1)
    return torch.einsum("bkyx,kc->bcyx", p, centres)


def lab_bin_table(centres, *, levels=LAB_TABLE_LEVELS, iterations=6):
    """Relative chroma of each CIELAB bin at a ladder of luma levels.

    A bin is an (a*, b*) pair; the colour it stands for depends on the
    lightness. At luma ``y`` the bin's colour is the one with its (a*, b*)
    whose Rec. 709 luma is ``y`` (its lightness L* found by a few fixed-point
    steps from the lightness of a grey of luma ``y``; sRGB from
    `skimage.color.lab2rgb`, clipped to the gamut). It is expressed as the
    relative chroma ``(Cb, Cr) / (Y + LUMA_EPS)`` of that colour, the quantity
    the colorizer puts back under the input's luma.

    Parameters
    ----------
    centres : array-like
        ``(K, 2)`` CIELAB (a*, b*) bin centres.
    levels : int
        Number of luma levels, evenly spaced from 0 to 1.
    iterations : int
        Fixed-point steps on the lightness.

    Returns
    -------
    table : `numpy.ndarray`
        ``(levels, K, 2)`` float32 relative chroma.
    """
    import warnings

    from skimage.color import lab2rgb

    from ._color import relative_chroma, rgb_to_chroma, rgb_to_lab, rgb_to_luma

    def grey_lightness(luma):
        return rgb_to_lab(np.repeat(np.asarray(luma)[..., None], 3, axis=-1))[..., 0]

    def colours(lightness):
        lab = np.concatenate([lightness[..., None], ab], axis=-1)
        with warnings.catch_warnings():  # colours outside the sRGB gamut are clipped on purpose
            warnings.simplefilter("ignore")
            return np.clip(lab2rgb(lab), 0.0, 1.0)

    centres = np.asarray(centres, dtype=np.float64)
    ab = np.broadcast_to(centres, (levels, len(centres), 2))
    wanted = np.broadcast_to(grey_lightness(np.linspace(0.0, 1.0, levels))[:, None],
                             (levels, len(centres)))
    lightness = wanted.copy()
    for _ in range(iterations):
        rgb = colours(lightness)
        lightness = np.clip(lightness + wanted - grey_lightness(rgb_to_luma(rgb)), 0.0, 100.0)
    rgb = colours(lightness)
    luma = rgb_to_luma(rgb)[..., None]
    table = relative_chroma(rgb_to_chroma(rgb), luma)
    table[0] = 0.0  # black has no colour
    return np.clip(table, -RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX).astype(np.float32)


def annealed_mean_at_luma(logits, table, luma, temperature):
    """Decode CIELAB-bin logits into relative chroma at each pixel's luma.

    The annealed mean of `annealed_mean`, taken over each bin's relative
    chroma at the pixel's luma (interpolated linearly between the levels of
    `lab_bin_table`).

    Parameters
    ----------
    logits : `torch.Tensor`
        ``(batch, K, ny, nx)``.
    table : `torch.Tensor`
        ``(levels, K, 2)`` from `lab_bin_table`.
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` luma in [0, 1] at the logits' resolution.
    temperature : float
        As for `annealed_mean`.

    Returns
    -------
    chroma : `torch.Tensor`
        ``(batch, 2, ny, nx)`` relative chroma.
    """
    p = F.softmax(logits / temperature, dim=1)
    per_level = torch.einsum("bkyx,lkc->blcyx", p, table.to(p.dtype))
    n = table.shape[0] - 1
    position = luma.to(p.dtype).clamp(0, 1) * n
    lower = position.floor().clamp(max=n - 1)
    frac = (position - lower)[:, :, None]
    index = lower.long()[:, :, None].expand(-1, 1, 2, -1, -1)
    below = per_level.gather(1, index)
    above = per_level.gather(1, index + 1)
    return (below + frac * (above - below))[:, 0]
