"""Reading a FITS image band by band, for images larger than memory."""

import contextlib
import os

import numpy as np

from ._fits import first_line, open_fits, path_and_hdu, select_hdu
from ._inputs import _celestial_wcs, blank_integers

__all__ = ["ImageRows", "open_image_rows"]


class ImageRows:
    """A 2-D FITS image read band by band from disk (see `open_image_rows`).

    Attributes
    ----------
    shape : tuple of int
        ``(ny, nx)``.
    wcs : `~astropy.wcs.WCS` or None
        The celestial WCS.
    header : `~astropy.io.fits.Header`
        The image HDU's header.
    name : str
        ``file.fits[index]``, as `~astro_colorgan.io.read_image` names it.
    """

    def __init__(self, hdu, index, shape, wcs, header, name):
        self._hdu = hdu
        self._index = index  # the leading indices (plane, ...) in front of (ny, nx)
        self.shape = shape
        self.wcs = wcs
        self.header = header
        self.name = name

    def read(self, start, stop):
        """Rows ``start`` to ``stop`` as float32 with NaN where there are no data.

        Only those rows are read from the file (`astropy.io.fits.Section`).
        """
        try:
            block = self._hdu.section[self._index + (slice(start, stop), slice(None))]
        except (TypeError, ValueError, OSError) as exc:
            raise OSError(f"Cannot read the data of {self.name}: {first_line(exc)}") from None
        rows = np.array(block, dtype=np.float32)
        blank_integers(np.asarray(block), rows, self.header)
        return rows

    @property
    def blanks_flagged(self):
        """Whether the NaN of `read` are pixels flagged by BLANK (integer data), not unflagged
        non-finite values (float data) that deserve a warning."""
        return self.header.get("BITPIX", -32) > 0

    def __repr__(self):
        return f"<ImageRows {self.name} shape={self.shape}>"


@contextlib.contextmanager
def open_image_rows(path, *, hdu=None, plane=None):
    """Open a FITS image for reading band by band, whatever its size.

    Unlike `~astro_colorgan.io.read_image`, nothing but the headers is read
    here: `ImageRows.read` reads the rows asked for, with plain file reads and
    no memory map (the pages of a memory map count against a process's
    resident memory once touched, and would grow with the image).

    Parameters
    ----------
    path : str or path-like
        A FITS file, optionally ``file.fits[ext]``. Tile-compressed images are
        decompressed tile by tile; gzip-compressed files work but are read
        sequentially.
    hdu : int or str, optional
        The image HDU (default: the only one).
    plane : int, optional
        The plane of a 3-D image.

    Yields
    ------
    image : `ImageRows`

    Raises
    ------
    OSError
        If the file is missing, not FITS, or its data cannot be read.
    ValueError
        If no 2-D image can be chosen.
    """
    path, key = path_and_hdu(path, hdu)
    with open_fits(path, memmap=False) as hdulist:
        index = select_hdu(hdulist, key, os.path.basename(path))
        name = f"{os.path.basename(path)}[{index}]"
        image_hdu = hdulist[index]
        shape = tuple(image_hdu.shape)
        leading = _leading_index(shape, name, plane)
        header = image_hdu.header.copy()
        wcs = _celestial_wcs(header, name, fobj=hdulist)
        ny, nx = shape[-2:]
        if wcs is not None:
            wcs.pixel_shape = (nx, ny)
        yield ImageRows(image_hdu, leading, (ny, nx), wcs, header, name)


def _leading_index(shape, name, plane):
    """The indices that pick a 2-D image out of ``shape`` (as ``read_image`` does)."""
    leading = []
    dims = list(shape)
    while len(dims) > 2 and dims[0] == 1:
        leading.append(0)
        dims.pop(0)
    if len(dims) == 3:
        if plane is None:
            raise ValueError(f"{name} holds a 3-D image of shape {tuple(dims)}; choose a "
                             f"plane with plane= (0 to {dims[0] - 1})")
        if not -dims[0] <= plane < dims[0]:
            raise ValueError(f"plane={plane} is out of range for {name} ({dims[0]} planes)")
        leading.append(plane % dims[0])
        dims.pop(0)
    elif plane is not None:
        raise ValueError(f"plane= was given but {name} is not a 3-D image")
    if len(dims) != 2:
        raise ValueError(f"{name} is not a 2-D image (shape {tuple(shape)})")
    return tuple(leading)
