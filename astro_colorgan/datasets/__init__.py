"""Folders of colour images for training and evaluation, and the fixed split rule."""

from ._folder import (IMAGE_EXTENSIONS, TEST_SPLIT_THRESHOLD, find_images, in_test_split,
                      in_validation_split, is_coloured, read_color_image, shrink)
from ._simulate import (SIMULATED_FILTERS, SimulatedField, read_simulated_field, simulate_field,
                        simulate_fields)

__all__ = ["IMAGE_EXTENSIONS", "TEST_SPLIT_THRESHOLD", "find_images", "in_test_split",
           "in_validation_split", "is_coloured", "read_color_image", "shrink",
           "SIMULATED_FILTERS", "SimulatedField", "read_simulated_field", "simulate_field",
           "simulate_fields"]
