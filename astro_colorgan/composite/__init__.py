"""Colour composites of several filters: channel mixing, stretches and `stack`."""

from ._channels import channel_matrix, mean_green, mix_channels
from ._plot import plot_rgb
from ._result import RGBImage
from ._stack import CompositeImage, stack
from ._stretch import (
    STRETCHES,
    SkyPercentileInterval,
    check_interval,
    resolve_stretch,
    stretch_linked,
    stretch_per_filter,
)

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["CompositeImage", "RGBImage", "SkyPercentileInterval", "STRETCHES", "mean_green",
           "stack"]
