"""Reading images from every supported input form, and writing FITS and image files."""

from ._inputs import ImageData, read_image
from ._rows import ImageRows, open_image_rows
from ._outputs import (
    add_history,
    check_fits_name,
    check_output_path,
    fits_cube_writer,
    fits_text,
    is_fits_name,
    remove_stale_temporaries,
    image_format,
    make_rgb_hdu,
    rgb_cube_header,
    provenance_history,
    write_fits,
    write_rgb_image,
)

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
