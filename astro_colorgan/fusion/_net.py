"""The detail-injection network: a full-resolution residual over the classical fusion.

``F = K + net(features)`` (PanNet, FusionNet, DiCNN): ``K`` the classical
fusion, the network sees the deep frame, the upsampled colour bands, ``K``
and the deep frame's detail that the colour bands lack, ``L - w · U``, at
full resolution, and predicts a correction of every band at every pixel. Its
last convolution starts at zero, so an untrained network returns the
classical fusion exactly. No normalisation layer: a tile sees the same
arithmetic as the whole image.
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DetailNet", "FEATURES", "features"]

#: The input planes: the deep frame, the upsampled colour bands (3), the classical
#: fusion (3), the deep frame's missing detail, whether the colour is two filters of
#: three (the middle band synthesised), and log2 of the frames' coarseness / 4.
FEATURES = ("luma", "up_r", "up_g", "up_b", "classical_r", "classical_g", "classical_b",
            "detail", "two_band", "coarseness")


def features(luma, up, classical, weights, *, coarseness=1.0, two_band=False):
    """The network's input planes (`FEATURES`) as one ``(batch, 10, ny, nx)`` tensor.

    Parameters
    ----------
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` the deep frame, display-scaled.
    up, classical : `torch.Tensor`
        ``(batch, 3, ny, nx)`` the upsampled colour bands and the classical
        fusion, R, G, B, in the same scaling.
    weights : sequence of float
        The deep frame as a weighted sum of R, G, B.
    coarseness : float or `torch.Tensor`
        How many deep pixels one colour-frame pixel spans (per batch item or one value).
    two_band : bool or `torch.Tensor`
        One filter of three missing.
    """
    w = torch.as_tensor(weights, dtype=up.dtype, device=up.device).view(1, -1, 1, 1)
    detail = luma - (w * up).sum(1, keepdim=True)
    shape = (luma.shape[0], 1) + tuple(luma.shape[-2:])
    coarse = torch.as_tensor(coarseness, dtype=up.dtype, device=up.device)
    coarse = torch.log2(coarse.clamp(min=1.0)).view(-1, 1, 1, 1) / 4.0
    flag = torch.as_tensor(two_band, dtype=up.dtype, device=up.device).view(-1, 1, 1, 1)
    return torch.cat([luma, up, classical, detail, flag.expand(shape), coarse.expand(shape)],
                     dim=1)


def _conv(cin, cout, *, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation,
                                   dilation=dilation), nn.SiLU(inplace=True))


class _Residual(nn.Module):
    def __init__(self, channels, dilation=1):
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels, dilation=dilation),
                                  nn.Conv2d(channels, channels, 3, padding=dilation,
                                            dilation=dilation))

    def forward(self, x):
        return F.silu(x + self.body(x))


class DetailNet(nn.Module):
    """A small U-Net at full resolution that predicts the residual of each band.

    Parameters
    ----------
    width : int
        Channels at full resolution; the three coarser levels have 2x, 3x, 4x.
    bands : int
        Bands predicted (3: R, G, B).

    Notes
    -----
    Input sizes must be multiples of `SIZE_MULTIPLE` (8).
    """

    #: Input sizes must be multiples of this.
    SIZE_MULTIPLE = 8

    def __init__(self, *, width=24, bands=3):
        super().__init__()
        w = int(width)
        self.width, self.bands = w, int(bands)
        self.stem = nn.Sequential(_conv(len(FEATURES), w), _Residual(w))
        self.down1 = nn.Sequential(_conv(w, 2 * w, stride=2), _Residual(2 * w))
        self.down2 = nn.Sequential(_conv(2 * w, 3 * w, stride=2), _Residual(3 * w))
        self.down3 = nn.Sequential(_conv(3 * w, 4 * w, stride=2), _Residual(4 * w, 2),
                                   _Residual(4 * w, 4))
        self.up2 = nn.Sequential(_conv(7 * w, 3 * w), _Residual(3 * w))
        self.up1 = nn.Sequential(_conv(5 * w, 2 * w), _Residual(2 * w))
        self.up0 = nn.Sequential(_conv(3 * w, w), _Residual(w))
        self.head = nn.Conv2d(w, self.bands, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @property
    def config(self):
        """The constructor arguments (a dict)."""
        return {"width": self.width, "bands": self.bands}

    def forward(self, x):
        """The residual ``(batch, bands, ny, nx)`` for input planes ``(batch, 10, ny, nx)``."""
        if x.shape[-1] % self.SIZE_MULTIPLE or x.shape[-2] % self.SIZE_MULTIPLE:
            raise ValueError(f"input sizes must be multiples of {self.SIZE_MULTIPLE}, "
                             f"got {tuple(x.shape[-2:])}")
        s0 = self.stem(x)
        s1 = self.down1(s0)
        s2 = self.down2(s1)
        s3 = self.down3(s2)
        up = F.interpolate(s3, scale_factor=2, mode="bilinear", align_corners=False)
        y = self.up2(torch.cat([up, s2], 1))
        up = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = self.up1(torch.cat([up, s1], 1))
        up = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        y = self.up0(torch.cat([up, s0], 1))
        return self.head(y)
