"""Colour composites of several filters: channel mixing, stretches and `stack`."""

from ._channels import mean_green
from ._result import RGBImage
from ._stack import CompositeImage, stack
from ._stretch import STRETCHES, SkyPercentileInterval

__all__ = ["CompositeImage", "RGBImage", "SkyPercentileInterval", "STRETCHES", "mean_green",
           "stack"]
