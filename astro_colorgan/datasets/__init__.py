"""Folders of colour images for training and evaluation, and the fixed split rule."""

from ._folder import (IMAGE_EXTENSIONS, TEST_SPLIT_THRESHOLD, find_images, in_test_split,
                      in_validation_split, is_coloured, read_color_image, shrink)

__all__ = ["IMAGE_EXTENSIONS", "TEST_SPLIT_THRESHOLD", "find_images", "in_test_split",
           "in_validation_split", "is_coloured", "read_color_image", "shrink"]
