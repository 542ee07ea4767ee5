"""Reading images from every supported input form, and writing FITS and image files."""

from ._inputs import ImageData, read_image
from ._rows import ImageRows, open_image_rows
from ._files import check_fits_name, check_output_path, is_fits_name, remove_stale_temporaries
from ._fitsout import (add_history, fits_cube_writer, fits_text, make_rgb_hdu, provenance_history,
                       rgb_cube_header, write_fits)
from ._images import image_format, write_rgb_image

__all__ = [
    "ImageData",
    "read_image",
    "ImageRows",
    "open_image_rows",
    "add_history",
    "check_fits_name",
    "check_output_path",
    "fits_cube_writer",
    "fits_text",
    "is_fits_name",
    "remove_stale_temporaries",
    "image_format",
    "make_rgb_hdu",
    "rgb_cube_header",
    "provenance_history",
    "write_fits",
    "write_rgb_image",
]
