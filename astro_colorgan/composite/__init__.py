"""Colour composites of several filters: channel mixing, stretches and `stack`."""

from ._channels import channel_matrix, mean_green, mix_channels
from ._plot import plot_rgb
from ._stack import CompositeImage, stack
from ._stretch import (
    STRETCHES,
    SkyPercentileInterval,
    check_interval,
    resolve_stretch,
    stretch_linked,
    stretch_per_filter,
)

__all__ = [
    "STRETCHES",
    "CompositeImage",
    "SkyPercentileInterval",
    "channel_matrix",
    "check_interval",
    "mean_green",
    "mix_channels",
    "plot_rgb",
    "resolve_stretch",
    "stack",
    "stretch_linked",
    "stretch_per_filter",
]
