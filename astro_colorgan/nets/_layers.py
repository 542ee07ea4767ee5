"""Building blocks shared by the generator and the discriminator."""

from torch import nn

__all__ = ["conv_block", "ResidualBlock", "norm"]


def norm(channels):
    """GroupNorm: statistics per image, never per batch, so tiles agree."""
    groups = 8 if channels % 8 == 0 else 1
    return nn.GroupNorm(groups, channels)


def conv_block(c_in, c_out, *, stride=1, dilation=1):
    """3x3 convolution, GroupNorm and SiLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        norm(c_out),
        nn.SiLU(inplace=True),
    )


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection."""

    def __init__(self, channels, *, dilation=1):
        super().__init__()
        self.body = nn.Sequential(
            conv_block(channels, channels, dilation=dilation),
            nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False),
            norm(channels),
        )
        self.act = nn.SiLU(inplace=True)

    def forward(self, x):
        return self.act(x + self.body(x))
