"""Reading images from every supported input form, and writing FITS and image files."""

from ._blocks import block_average, block_wcs
from ._inputs import ImageData, read_image
from ._rows import ImageRows, open_image_rows
from ._files import check_output_path
from ._fitsout import make_rgb_hdu, provenance_history, write_fits
from ._images import write_rgb_image

__all__ = ["ImageData", "read_image", "ImageRows", "open_image_rows", "check_output_path",
           "make_rgb_hdu", "provenance_history", "write_fits", "write_rgb_image",
           "block_average", "block_wcs"]
