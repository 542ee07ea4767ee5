"""Chroma bins of the classification head: which bins, their weights, and soft targets.

Following Zhang, Isola & Efros (2016, "Colorful Image Colorization"), the
plane of relative chroma (Cb, Cr) / (Y + eps) is cut into square bins of
`BIN_STEP`; the bins seen in the training data are kept, targets are
soft-encoded over the nearest bins, and rare (saturated) bins can be
up-weighted so that the loss is not won by predicting grey-brown averages.
"""

import numpy as np
import torch

from ..colorspace._ycbcr import RELATIVE_CHROMA_MAX

__all__ = ["BIN_STEP", "chroma_histogram", "select_bins", "rebalancing_weights", "soft_encode"]

#: Width of a bin of relative chroma (see ``relative_chroma``).
BIN_STEP = 0.1


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
        edge bins): `BIN_STEP` and ``RELATIVE_CHROMA_MAX`` for relative chroma,
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
