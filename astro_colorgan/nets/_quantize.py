"""Decoding the classification head: the annealed mean over the chroma bins.

The generator predicts a distribution over bins of relative chroma (Zhang,
Isola & Efros 2016; the bins are made by `astro_colorgan.training`); the
annealed mean trades saturation against the safety of the mean.
"""

import torch
import torch.nn.functional as F

__all__ = ["annealed_mean"]


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
