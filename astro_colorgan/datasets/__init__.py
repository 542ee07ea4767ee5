"""Folders of colour images for training and evaluation, and the fixed split rule."""

from ._folder import (find_images, in_test_split, is_field_folder,
                      in_validation_split, is_coloured, read_color_image, read_field, shrink)
from ._sim_batch import simulate_fields
from ._sim_field import SimulatedField, read_simulated_field
from ._simulate import SIMULATED_FILTERS, simulate_field

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["find_images", "in_test_split", "is_coloured", "read_color_image",
           "SIMULATED_FILTERS", "SimulatedField", "read_simulated_field",
           "simulate_field", "simulate_fields"]
