"""The U-Net generator: luma in, chroma out.

The encoder sees the full-resolution luma; the decoder stops at a quarter of
the resolution, where chroma is predicted (colour varies more slowly than
brightness) and then upsampled under the full-resolution luma. A global-context
branch pools the deepest features of the whole image into one vector that is
fused into every position (Iizuka et al. 2016), so the colour of a pixel can
depend on what the object as a whole is.

With ``hints=True`` the generator also takes measured colour (see
``HINT_CHANNELS``): relative chroma brought to the luma's
grid, how much of it was measured, how coarse the colour frame was and
whether a filter is missing. It then predicts only what is not measured, and
with empty hint planes it is a single-band colorizer.

With ``subjects=True`` it also takes the ``SUBJECT_CHANNELS``: constant planes
that say what the image is (a deep-sky colour photograph, or a broadband survey
field and the wavelengths of the filter colorized and of the filters its colour
is to be shown in; see `~astro_colorgan.colorize.subject_vector`), so that the
same luma can be coloured as the kind of image it is.

Two heads exist:

``classify``
    logits over ``K`` quantised (Cb, Cr) bins (Zhang et al. 2016); the chroma is
    the annealed mean of the bins at temperature ``T``.
``regress``
    the two relative-chroma planes directly (``tanh``-bounded).

The chroma predicted is the *relative chroma* (see ``relative_chroma``).
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._layers import ResidualBlock, conv_block
from ..colorspace._ycbcr import RELATIVE_CHROMA_MAX

__all__ = ["ChromaUNet", "CHROMA_STRIDE", "SIZE_MULTIPLE", "HINT_CHANNELS", "SUBJECT_CHANNELS"]

#: The chroma is predicted at 1/CHROMA_STRIDE of the input resolution.
CHROMA_STRIDE = 4
#: Input sizes must be multiples of this (the depth of the U-Net).
SIZE_MULTIPLE = 16
#: Initial logit of the gate of measured colour (sigmoid: 0.95).
GATE_START = 3.0
#: The hint planes of a guided generator, after the luma: measured relative chroma
#: (Cb, Cr) / (Y + eps) of the colour frames on the luma's grid (0 where none),
#: their weight in [0, 1] (coverage), log2 of how much coarser than the luma the
#: colour frames' pixels are, divided by 5, and 1 where one filter of three is missing
#: (two-filter colour, its green synthesised).
HINT_CHANNELS = ("hint_cb", "hint_cr", "hint_weight", "hint_coarseness", "hint_two_band")
#: The subject planes of a subject-conditioned generator, after the hint planes, each
#: constant over the image: 1 for a survey field (0 for a photograph), then, for a
#: field, log2 of the colorized filter's wavelength over 600 nm, and log2 of the
#: bluest and the reddest display filter's wavelength over the colorized one's.
SUBJECT_CHANNELS = ("subject_field", "subject_band", "subject_blue", "subject_red")


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
    hints : bool
        Take the ``HINT_CHANNELS`` planes after the luma as input too.
    subjects : bool
        Take the ``SUBJECT_CHANNELS`` planes after those as input too.
    """

    def __init__(self, *, width=32, head="classify", n_bins=1, hints=False, subjects=False):
        super().__init__()
        if head not in ("classify", "regress"):
            raise ValueError(f"head must be 'classify' or 'regress', not {head!r}")
        w = width
        self.hints = bool(hints)
        self.subjects = bool(subjects)
        self.head_kind = head
        self.n_bins = int(n_bins)
        self.width = w
        self.stem = conv_block(self.in_channels, w // 2)  # 1/1
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
        # a guided or subject-conditioned generator also sees its hint and subject
        # planes, block-averaged, right before the head: measured colour has a short
        # path to the output
        n_hints = self.in_channels - 1
        self.up2 = nn.Sequential(conv_block(4 * w + 2 * w + n_hints, 2 * w),
                                 ResidualBlock(2 * w))  # 1/4
        out = self.n_bins if head == "classify" else 2
        # a guided classifier also outputs the gate of the measured colour (see
        # `~astro_colorgan.nets.ColorModel.relative_lowres`), starting near 1: the
        # measured colour is taken as it is until training teaches where to correct it
        self.gated = self.hints and head == "classify"
        self.head = nn.Conv2d(2 * w, out + int(self.gated), 1)
        if self.gated:
            with torch.no_grad():
                self.head.weight[out:].zero_()
                self.head.bias[out:] = GATE_START

    @property
    def in_channels(self):
        """Input planes: the luma, the ``HINT_CHANNELS`` of a guided generator, then
        the ``SUBJECT_CHANNELS`` of a subject-conditioned one."""
        return (1 + (len(HINT_CHANNELS) if self.hints else 0)
                + (len(SUBJECT_CHANNELS) if self.subjects else 0))

    def _stem_input(self, x):
        if x.shape[1] != self.in_channels:
            raise ValueError(f"the generator takes {self.in_channels} input plane(s), "
                             f"got {x.shape[1]}")
        return torch.cat([2.0 * x[:, :1] - 1.0, x[:, 1:]], dim=1)

    def encode_context(self, x):
        """The global context vector of an image.

        Parameters
        ----------
        x : `torch.Tensor`
            ``(batch, in_channels, ny, nx)`` input, sizes multiples of ``SIZE_MULTIPLE``.

        Returns
        -------
        context : `torch.Tensor`
            ``(batch, 8 * width)``.
        """
        x = self.down4(self.down3(self.down2(self.down1(self.stem(self._stem_input(x))))))
        return self._context_from(x)

    def _context_from(self, deep):
        pooled = self.context(deep).mean(dim=(2, 3))
        return self.context_mlp(pooled)

    def forward(self, x, context=None):
        """Predict the chroma head's output at 1/``CHROMA_STRIDE`` resolution.

        Parameters
        ----------
        x : `torch.Tensor`
            ``(batch, in_channels, ny, nx)``: the luma in [0, 1], then the hint
            planes of a guided generator; sizes multiples of ``SIZE_MULTIPLE``.
        context : `torch.Tensor`, optional
            A global context vector from `encode_context` (e.g. of the whole
            image when ``x`` is one tile of it). Default: this input's own.

        Returns
        -------
        out : `torch.Tensor`
            ``(batch, n_bins, ny/4, nx/4)`` logits (``classify``; a guided
            one adds a last plane, the logit of the gate of measured colour) or
            ``(batch, 2, ny/4, nx/4)`` relative chroma (``regress``).
        """
        if x.shape[-1] % SIZE_MULTIPLE or x.shape[-2] % SIZE_MULTIPLE:
            raise ValueError(f"input sizes must be multiples of {SIZE_MULTIPLE}, "
                             f"got {tuple(x.shape)}")
        inputs = x
        s0 = self.stem(self._stem_input(x))
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
        if self.in_channels > 1:
            x = torch.cat([x, s2, F.avg_pool2d(inputs[:, 1:], CHROMA_STRIDE)], dim=1)
        else:
            x = torch.cat([x, s2], dim=1)
        x = self.up2(x)
        out = self.head(x)
        if self.head_kind == "regress":
            out = RELATIVE_CHROMA_MAX * torch.tanh(out)
        return out
