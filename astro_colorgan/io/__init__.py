"""Reading images from every supported input form, and writing FITS and image files."""

from ._inputs import ImageData, read_image
from ._rows import ImageRows, open_image_rows
from ._files import check_fits_name, check_output_path, is_fits_name, remove_stale_temporaries
from ._fitsout import (add_history, fits_cube_writer, fits_text, make_rgb_hdu, provenance_history,
                       rgb_cube_header, write_fits)
from ._fits import first_line, split_path
from ._images import image_format, write_rgb_image
from ._signals import Terminated, terminate_as_exception

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["ImageData", "read_image", "ImageRows", "open_image_rows", "check_output_path",
           "make_rgb_hdu", "provenance_history", "write_fits", "write_rgb_image"]
