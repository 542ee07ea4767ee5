"""Decoding the classification head: the annealed mean over the chroma bins.

The generator predicts a distribution over bins of relative chroma (Zhang,
Isola & Efros 2016; the bins are made by `astro_colorgan.training`); the
annealed mean trades saturation against the safety of the mean.
"""

import torch
import torch.nn.functional as F

__all__ = ["annealed_mean", "colour_confidence"]


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


def colour_confidence(logits, centres, eps=1e-6):
    """How much the bin probabilities agree on a hue, per pixel, in [0, 1].

    ``|sum_k p_k z_k| / sum_k p_k |z_k|`` with ``p = softmax(logits)`` (the
    model's own probabilities, temperature 1) and ``z_k`` the bin centres:
    1 where all the probable colours point the same way, near 0 where
    opposite hues are about equally probable (their mean is a grey that the
    model is not sure of either).

    Parameters
    ----------
    logits : `torch.Tensor`
        ``(batch, K, ny, nx)``.
    centres : `torch.Tensor`
        ``(K, 2)`` bin centres.
    eps : float
        Added to the denominator (bins all at the origin give 0).

    Returns
    -------
    confidence : `torch.Tensor`
        ``(batch, 1, ny, nx)``.

    Examples
    --------
    >>> import torch
    >>> centres = torch.tensor([[0.3, 0.0], [-0.3, 0.0]])
    >>> sure = torch.tensor([[8.0, -8.0]]).reshape(1, 2, 1, 1)
    >>> torn = torch.zeros(1, 2, 1, 1)
    >>> round(float(colour_confidence(sure, centres)), 3), round(float(colour_confidence(torn, centres)), 3)
    (1.0, 0.0)
    """
    p = F.softmax(logits.float(), dim=1)
    mean = torch.einsum("bkyx,kc->bcyx", p, centres.float())
    spread = torch.einsum("bkyx,k->byx", p, centres.float().norm(dim=1))[:, None]
    return (mean.norm(dim=1, keepdim=True) / (spread + eps)).clamp(0, 1)
