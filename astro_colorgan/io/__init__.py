"""Reading images from every supported input form, and writing FITS and image files."""

from ._inputs import ImageData, read_image
from ._outputs import (
    check_output_path,
    image_format,
    make_rgb_hdu,
    provenance_history,
    write_fits,
    write_rgb_image,
)

__all__ = [
    "ImageData",
    "read_image",
    "check_output_path",
    "image_format",
    "make_rgb_hdu",
    "provenance_history",
    "write_fits",
    "write_rgb_image",
]
