"""Folders of colour images for training and evaluation, and the fixed split rule."""

from ._folder import find_images, in_test_split, is_coloured, read_color_image
from ._sim_batch import simulate_fields
from ._sim_field import SimulatedField, read_simulated_field
from ._simulate import SIMULATED_FILTERS, simulate_field

__all__ = ["find_images", "in_test_split", "is_coloured", "read_color_image",
           "SIMULATED_FILTERS", "SimulatedField", "read_simulated_field",
           "simulate_field", "simulate_fields"]
