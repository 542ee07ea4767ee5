"""The conditional PatchGAN discriminator.

It sees the luma and the (relative) chroma together, at the chroma's resolution (a quarter
of the input's), and returns a map of real/fake scores, one per overlapping
patch, as in pix2pix (Isola et al. 2017).
"""

from torch import nn

from ._layers import norm

__all__ = ["PatchDiscriminator"]


class PatchDiscriminator(nn.Module):
    """PatchGAN over (luma, relative chroma).

    Parameters
    ----------
    width : int
        Channels of the first layer.
    """

    def __init__(self, *, width=64):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1, bias=False),
            norm(2 * w),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * w, 4 * w, 4, stride=1, padding=1, bias=False),
            norm(4 * w),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(4 * w, 1, 4, stride=1, padding=1),
        )

    def forward(self, luma, chroma):
        """Patch scores.

        Parameters
        ----------
        luma : `torch.Tensor`
            ``(batch, 1, ny, nx)`` luma at the chroma's resolution.
        chroma : `torch.Tensor`
            ``(batch, 2, ny, nx)`` relative chroma (scaled to about [-1, 1] inside).

        Returns
        -------
        scores : `torch.Tensor`
            ``(batch, 1, my, mx)`` real/fake scores.
        """
        import torch

        return self.net(torch.cat([2 * luma - 1, 0.5 * chroma], dim=1))
