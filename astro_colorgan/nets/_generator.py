"""The U-Net generator: luma in, chroma out.

The encoder sees the full-resolution luma; the decoder stops at a quarter of
the resolution, where chroma is predicted (colour varies more slowly than
brightness) and then upsampled under the full-resolution luma. A global-context
branch pools the deepest features of the whole image into one vector that is
fused into every position (Iizuka et al. 2016), so the colour of a pixel can
depend on what the object as a whole is.

With ``palette=True`` the context vector also predicts the image's *palette*:
a distribution over the chroma bins, trained towards the foreground-weighted
mean of the image's soft-encoded chroma. Its log-probabilities are added to
every pixel's logits, so a pixel's colour is the product of what the image as
a whole holds and what its neighbourhood suggests. An image's colours are one
of the few things that the object, seen whole, determines; this gives that
knowledge its own target instead of leaving it to be learnt through the pixels
(the ``palette`` training preset; it has not yet beaten the shipped model).

Two heads exist:

``classify``
    logits over ``K`` quantised (Cb, Cr) bins (Zhang et al. 2016); the chroma is
    the annealed mean of the bins at temperature ``T``.
``regress``
    the two relative-chroma planes directly (``tanh``-bounded).

The chroma predicted is the *relative chroma* (see `~astro_colorgan.nets.relative_chroma`).
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._layers import ResidualBlock, conv_block
from ._quantize import RELATIVE_CHROMA_MAX

__all__ = ["ChromaUNet", "CHROMA_STRIDE", "SIZE_MULTIPLE"]

#: The chroma is predicted at 1/CHROMA_STRIDE of the input resolution.
CHROMA_STRIDE = 4
#: Input sizes must be multiples of this (the depth of the U-Net).
SIZE_MULTIPLE = 16


class ChromaUNet(nn.Module):
    """U-Net generator predicting chroma from luma.

    Parameters
    ----------
    width : int
        Channels of the first level; deeper levels have 2x, 4x, 8x.
    head : {'classify', 'regress'}
        Output head, see the module docstring.
    n_bins : int
        Number of chroma bins (``classify`` head).
    palette : bool
        Predict the image's palette from the global context and add its
        log-probabilities to the pixel logits (``classify`` head only).
    """

    def __init__(self, *, width=32, head="classify", n_bins=1, palette=False):
        super().__init__()
        if head not in ("classify", "regress"):
            raise ValueError(f"head must be 'classify' or 'regress', not {head!r}")
        if palette and head != "classify":
            raise ValueError("a palette needs the 'classify' head")
        w = width
        self.head_kind = head
        self.n_bins = int(n_bins)
        self.width = w
        self.stem = conv_block(1, w // 2)  # 1/1
        self.down1 = nn.Sequential(conv_block(w // 2, w, stride=2), ResidualBlock(w))  # 1/2
        self.down2 = nn.Sequential(conv_block(w, 2 * w, stride=2), ResidualBlock(2 * w))  # 1/4
        self.down3 = nn.Sequential(conv_block(2 * w, 4 * w, stride=2), ResidualBlock(4 * w))  # 1/8
        self.down4 = nn.Sequential(  # 1/16, dilated for a wider field of view
            conv_block(4 * w, 8 * w, stride=2),
            ResidualBlock(8 * w, dilation=2),
            ResidualBlock(8 * w, dilation=4),
        )
        self.context = nn.Sequential(  # global context: strided convs, then pooling
            conv_block(8 * w, 8 * w, stride=2),
            conv_block(8 * w, 8 * w, stride=2),
        )
        self.context_mlp = nn.Sequential(nn.Linear(8 * w, 8 * w), nn.SiLU(inplace=True))
        self.fuse = nn.Sequential(nn.Conv2d(16 * w, 8 * w, 1), nn.SiLU(inplace=True))
        self.up3 = nn.Sequential(conv_block(8 * w + 4 * w, 4 * w), ResidualBlock(4 * w))  # 1/8
        self.up2 = nn.Sequential(conv_block(4 * w + 2 * w, 2 * w), ResidualBlock(2 * w))  # 1/4
        out = self.n_bins if head == "classify" else 2
        self.head = nn.Conv2d(2 * w, out, 1)
        self.palette_head = nn.Linear(8 * w, self.n_bins) if palette else None

    def encode_context(self, luma):
        """The global context vector of an image.

        Parameters
        ----------
        luma : `torch.Tensor`
            ``(batch, 1, ny, nx)`` luma, sizes multiples of `SIZE_MULTIPLE`.

        Returns
        -------
        context : `torch.Tensor`
            ``(batch, 8 * width)``.
        """
        x = self.down4(self.down3(self.down2(self.down1(self.stem(2.0 * luma - 1.0)))))
        return self._context_from(x)

    def _context_from(self, deep):
        pooled = self.context(deep).mean(dim=(2, 3))
        return self.context_mlp(pooled)

    @property
    def palette(self):
        """Whether the generator predicts an image palette (bool)."""
        return self.palette_head is not None

    def forward(self, luma, context=None, *, return_palette=False):
        """Predict the chroma head's output at 1/`CHROMA_STRIDE` resolution.

        Parameters
        ----------
        luma : `torch.Tensor`
            ``(batch, 1, ny, nx)`` luma in [0, 1], sizes multiples of `SIZE_MULTIPLE`.
        context : `torch.Tensor`, optional
            A global context vector from `encode_context` (e.g. of the whole
            image when ``luma`` is one tile of it). Default: this input's own.
        return_palette : bool
            Also return the palette logits (a palette model only).

        Returns
        -------
        out : `torch.Tensor`
            ``(batch, n_bins, ny/4, nx/4)`` logits (``classify``) or
            ``(batch, 2, ny/4, nx/4)`` relative chroma (``regress``).
        palette : `torch.Tensor`
            ``(batch, n_bins)`` palette logits, with ``return_palette``.
        """
        if return_palette and not self.palette:
            raise ValueError("this generator predicts no palette")
        if luma.shape[-1] % SIZE_MULTIPLE or luma.shape[-2] % SIZE_MULTIPLE:
            raise ValueError(f"input sizes must be multiples of {SIZE_MULTIPLE}, "
                             f"got {tuple(luma.shape)}")
        x = 2.0 * luma - 1.0
        s0 = self.stem(x)
        s1 = self.down1(s0)
        s2 = self.down2(s1)
        s3 = self.down3(s2)
        s4 = self.down4(s3)
        if context is None:
            context = self._context_from(s4)
        ctx = context[:, :, None, None].expand(-1, -1, s4.shape[2], s4.shape[3])
        s4 = self.fuse(torch.cat([s4, ctx], dim=1))
        x = F.interpolate(s4, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.up3(torch.cat([x, s3], dim=1))
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.up2(torch.cat([x, s2], dim=1))
        out = self.head(x)
        if self.head_kind == "regress":
            out = RELATIVE_CHROMA_MAX * torch.tanh(out)
        if not self.palette:
            return out
        palette = self.palette_head(context)
        out = out + torch.log_softmax(palette.float(), dim=1)[:, :, None, None].to(out.dtype)
        return (out, palette) if return_palette else out
