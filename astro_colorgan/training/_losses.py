"""Losses: least-squares adversarial (Mao et al. 2017), L1, and rebalanced cross-entropy."""

import torch

__all__ = ["lsgan_generator_loss", "lsgan_discriminator_loss", "rebalanced_cross_entropy"]


def lsgan_generator_loss(fake_scores):
    """Least-squares generator loss, ``mean((D(G(x)) - 1)^2)``."""
    return (fake_scores - 1).pow(2).mean()


def lsgan_discriminator_loss(real_scores, fake_scores):
    """Least-squares discriminator loss, ``(mean((D(y) - 1)^2) + mean(D(G(x))^2)) / 2``."""
    return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())


def rebalanced_cross_entropy(logits, target, nearest, weights, pixel_weight=None):
    """Cross-entropy with soft targets, each pixel weighted by its bin's rarity.

    Parameters
    ----------
    logits : `torch.Tensor`
        ``(batch, K, ny, nx)``.
    target : `torch.Tensor`
        ``(batch, K, ny, nx)`` soft targets.
    nearest : `torch.Tensor`
        ``(batch, ny, nx)`` nearest-bin index of each target.
    weights : `torch.Tensor`
        ``(K,)`` rebalancing weights.
    pixel_weight : `torch.Tensor`, optional
        ``(batch, ny, nx)`` extra weight of each pixel (e.g. foreground).

    Returns
    -------
    loss : `torch.Tensor`
        Scalar.
    """
    ce = -(target * torch.log_softmax(logits, dim=1)).sum(dim=1)
    w = weights[nearest]
    if pixel_weight is not None:
        w = w * pixel_weight
        return (w * ce).sum() / pixel_weight.sum().clamp(min=1e-6)
    return (w * ce).mean()
