"""A pix2pix-size reference generator for the benchmarks: ``unet_256``.

Our own re-implementation of the U-Net generator of pix2pix (Isola et al.
2017) with the ``unet_256`` settings of the reference PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix, ``models/networks.py``,
``UnetGenerator(input_nc, output_nc, num_downs=8, ngf=64,
norm_layer=BatchNorm2d, use_dropout=True)``), written flat instead of as
nested skip blocks but with the same layers, in the same order, with the
same parameters:

* encoder: 8 convolutions 4x4 stride 2 (64, 128, 256, 512, 512, 512, 512,
  512 channels), no bias; each but the first is preceded by LeakyReLU(0.2)
  and each but the first and the innermost is followed by BatchNorm;
* decoder: ReLU, transposed convolution 4x4 stride 2, BatchNorm, concatenated
  with the encoder feature of the same scale (the activated one, as the
  reference's in-place LeakyReLU makes it); Dropout(0.5) after the three
  decoder blocks next to the innermost; the outermost transposed convolution
  has a bias and is followed by Tanh.

With ``in_channels=3, out_channels=3`` it has 54,413,955 parameters (54.4 M), like the
reference. The input sizes must be multiples of 256 (eight halvings); the
network is meant for 256 x 256 inputs (a 1 x 1 bottleneck).
"""

import torch
from torch import nn

__all__ = ["UnetGenerator", "unet_256", "count_parameters"]


class UnetGenerator(nn.Module):
    """The pix2pix U-Net generator.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output.
    ngf : int
        Channels of the first level (doubling up to ``8 * ngf``).
    num_downs : int
        Number of stride-2 levels (8 for ``unet_256``).
    dropout : float
        Dropout probability in the decoder blocks next to the innermost
        (active only in training mode).
    """

    def __init__(self, in_channels=1, out_channels=2, *, ngf=64, num_downs=8, dropout=0.5):
        super().__init__()
        if num_downs < 5:
            raise ValueError(f"num_downs must be at least 5, not {num_downs}")
        widths = [ngf, 2 * ngf, 4 * ngf] + [8 * ngf] * (num_downs - 3)
        self.num_downs = num_downs
        inner = num_downs - 1
        down = []
        for level, width in enumerate(widths):
            c_in = in_channels if level == 0 else widths[level - 1]
            layers = [nn.Conv2d(c_in, width, 4, stride=2, padding=1, bias=False)]
            if 0 < level < inner:
                layers.append(nn.BatchNorm2d(width))
            down.append(nn.Sequential(*layers))
        self.down = nn.ModuleList(down)  # LeakyReLU(0.2) before each but the first: see forward
        self.down_act = nn.LeakyReLU(0.2)
        # decoder block `level` turns the output of the level below (or the innermost
        # feature) into the resolution of the input of encoder level `level`
        dropout_levels = set(range(inner - (num_downs - 5), inner))
        up = []
        for level, width in enumerate(widths):
            c_in = width if level == inner else 2 * width
            if level == 0:
                layers = [nn.ReLU(),
                          nn.ConvTranspose2d(c_in, out_channels, 4, stride=2, padding=1),
                          nn.Tanh()]
            else:
                c_out = widths[level - 1]
                layers = [nn.ReLU(),
                          nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
                          nn.BatchNorm2d(c_out)]
                if level in dropout_levels:
                    layers.append(nn.Dropout(dropout))
            up.append(nn.Sequential(*layers))
        self.up = nn.ModuleList(up)

    def forward(self, x):
        """``(batch, in_channels, ny, nx)`` in [-1, 1] to ``(batch, out_channels, ny, nx)``
        in [-1, 1]; ``ny`` and ``nx`` multiples of ``2 ** num_downs``."""
        step = 2 ** self.num_downs
        if x.shape[-1] % step or x.shape[-2] % step:
            raise ValueError(f"input sizes must be multiples of {step}, got {tuple(x.shape)}")
        skips = []
        h = x
        for level, block in enumerate(self.down):
            if level > 0:
                # the reference's in-place LeakyReLU also changes the tensor kept
                # for the skip connection: the skip carries the activated feature
                h = self.down_act(h)
                skips.append(h)
            h = block(h)
        for level in range(self.num_downs - 1, -1, -1):
            h = self.up[level](h)
            if level > 0:
                h = torch.cat([skips[level - 1], h], dim=1)
        return h


def unet_256(in_channels=1, out_channels=2):
    """The ``unet_256`` generator (``ngf=64``, 8 levels, BatchNorm, dropout), in eval mode,
    with the reference's initialisation (normal weights of standard deviation 0.02)."""
    net = UnetGenerator(in_channels, out_channels, ngf=64, num_downs=8)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                module.weight.normal_(0.0, 0.02, generator=generator)
                if module.bias is not None:
                    module.bias.zero_()
            elif isinstance(module, nn.BatchNorm2d):
                module.weight.normal_(1.0, 0.02, generator=generator)
                module.bias.zero_()
    return net.eval()


def count_parameters(module):
    """Number of parameters of a module."""
    return sum(p.numel() for p in module.parameters())
