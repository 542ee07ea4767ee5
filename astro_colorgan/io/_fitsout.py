"""FITS outputs: provenance HISTORY, RGB cube headers and HDUs, band-by-band and whole writes."""

import contextlib
import datetime
import os
import textwrap

import numpy as np
from astropy.io import fits

from ..version import version
from ._files import atomic_output, check_fits_name

__all__ = ["add_history", "fits_cube_writer", "fits_text", "make_rgb_hdu", "provenance_history",
           "rgb_cube_header", "wcs_header", "write_fits"]


def provenance_history(action, inputs, options):
    """Return the HISTORY lines that record how an output was made.

    Parameters
    ----------
    action : str
        What was done, e.g. ``'stack'``.
    inputs : iterable of str
        A description of each input (e.g. ``ImageData.name``).
    options : dict
        Every option used, name to value.

    Returns
    -------
    lines : list of str
        The package name and version with a UTC time stamp, one line per input
        and one line per option. The time stamp is the current time, or that of
        the ``SOURCE_DATE_EPOCH`` environment variable (seconds since 1970, the
        reproducible-builds convention) where it is set, so that runs can be
        made byte for byte reproducible.

    Examples
    --------
    >>> lines = provenance_history("stack", ["g.fits[0]"], {"Q": 8})
    >>> lines[1:]
    ['input 1: g.fits[0]', 'option Q = 8']
    """
    stamp = _now().strftime("%Y-%m-%dT%H:%M:%S")
    lines = [f"astro_colorgan {version} {action} {stamp} UTC"]
    lines += [f"input {number}: {name}" for number, name in enumerate(inputs, start=1)]
    lines += [f"option {key} = {_describe(value)}" for key, value in options.items()]
    return lines


def _now():
    from .._environment import source_date_epoch

    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc)


def _describe(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_describe(item) for item in value) + "]"
    if isinstance(value, np.ndarray):
        return _describe(value.tolist())
    return " ".join(str(value).split()) if not isinstance(value, str) else value


def rgb_cube_header(shape, *, wcs=None, history=()):
    """The header of a float32 ``(3, ny, nx)`` R, G, B cube, without its data.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)`` of the image.
    wcs : `~astropy.wcs.WCS`, optional
        The 2-D celestial WCS of the pixel grid.
    history : iterable of str, optional
        Lines written as HISTORY cards (see `~astro_colorgan.io.provenance_history`).

    Returns
    -------
    header : `~astropy.io.fits.Header`
        A complete primary header (``BITPIX = -32``, ``NAXIS = 3``) as
        `~astro_colorgan.io.make_rgb_hdu` writes it; ``fits_cube_writer`` writes data under it.
    """
    ny, nx = (int(n) for n in shape)
    header = fits.Header()
    if wcs is not None:
        if wcs.naxis != 2:
            raise ValueError(f"wcs must be a 2-D celestial WCS, not {wcs.naxis}-D")
        header.update(wcs_header(wcs))
        header["WCSAXES"] = 3
        header["CTYPE3"] = ("RGB", "planes are colour channels: 1=R, 2=G, 3=B")
        header["CRPIX3"] = 1.0
        header["CRVAL3"] = 1.0
        header["CDELT3"] = 1.0
    header["CNAME3"] = ("colour plane 1=R 2=G 3=B", "order of the RGB planes")
    header["COLORORD"] = ("RGB", "plane order of the colour cube")
    add_history(header, history)
    # a zero-strided stand-in gives astropy the shape and type without memory
    shell = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=(3, ny, nx),
                                            strides=(0, 0, 0), writeable=False)
    return fits.PrimaryHDU(data=shell, header=header).header.copy()


def wcs_header(wcs):
    """The header cards of a 2-D celestial WCS, its SIP distortion included.

    `astropy.wcs.WCS.to_header` leaves the SIP polynomials (``A_*``, ``B_*``)
    out and ``-SIP`` off the ``CTYPE`` unless asked; an HST image would lose
    a pixel and more at its corners.

    Parameters
    ----------
    wcs : `~astropy.wcs.WCS`

    Returns
    -------
    header : `~astropy.io.fits.Header`
    """
    return wcs.to_header(relax=True) if wcs.sip is not None else wcs.to_header()


def add_history(header, lines):
    """Add HISTORY cards to ``header``, long lines wrapped at word boundaries.

    Parameters
    ----------
    header : `~astropy.io.fits.Header`
        Changed in place.
    lines : iterable of str
        One entry per line of history (see `~astro_colorgan.io.provenance_history`).
    """
    for line in lines:
        # astropy cuts long cards mid-word: wrap at word boundaries instead
        for part in textwrap.wrap(fits_text(line), width=70, break_long_words=True) or [""]:
            header.add_history(part)


def fits_text(text):
    r"""``text`` in the printable ASCII that FITS header cards hold.

    Accented letters lose their accents (``'ü'`` becomes ``'u'``); other
    characters outside printable ASCII become Python escapes (``'ø'`` becomes
    ``'\\xf8'``), so that file names in any language can be recorded.

    Parameters
    ----------
    text : str

    Returns
    -------
    text : str
        Characters 32 to 126 only.

    Examples
    --------
    >>> fits_text("ünï cødé.fits")
    'uni c\\xf8de.fits'
    """
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(text))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if " " <= char <= "~" else char.encode("unicode_escape").decode("ascii")
                   for char in kept)


def make_rgb_hdu(rgb, *, wcs=None, history=()):
    """Build a FITS primary HDU holding an RGB image as a ``(3, ny, nx)`` cube.

    Parameters
    ----------
    rgb : `~numpy.ndarray`
        The image, shape ``(ny, nx, 3)``, channels R, G, B, values in [0, 1];
        NaN marks pixels without data. Row 0 is the bottom of the image (FITS order).
    wcs : `~astropy.wcs.WCS`, optional
        The 2-D celestial WCS of the pixel grid.
    history : iterable of str, optional
        Lines written as HISTORY cards (see `~astro_colorgan.io.provenance_history`).

    Returns
    -------
    hdu : `~astropy.io.fits.PrimaryHDU`
        A float32 cube of shape ``(3, ny, nx)`` with planes in R, G, B order,
        the 2-D celestial WCS on axes 1 and 2 and a third axis labelled RGB.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must have shape (ny, nx, 3), not {rgb.shape}")
    # no copy when rgb is a view of a (3, ny, nx) float32 cube
    cube = np.ascontiguousarray(np.moveaxis(rgb, -1, 0), dtype=np.float32)
    header = rgb_cube_header(rgb.shape[:2], wcs=wcs, history=history)
    return fits.PrimaryHDU(data=cube, header=header)


class _CubeWriter:
    """Writes row bands of a ``(3, ny, nx)`` float32 cube into an open FITS file."""

    def __init__(self, handle, offset, shape):
        self._handle = handle
        self._offset = offset
        self.shape = shape

    def write_rows(self, start, planes):
        """Write ``planes`` ``(3, rows, nx)`` at rows ``start`` onwards of every plane."""
        planes = np.asarray(planes)
        n_planes, ny, nx = self.shape
        if planes.ndim != 3 or planes.shape[0] != n_planes or planes.shape[2] != nx:
            raise ValueError(f"planes must have shape ({n_planes}, rows, {nx}), "
                             f"not {planes.shape}")
        if not 0 <= start <= ny - planes.shape[1]:
            raise ValueError(f"rows {start} to {start + planes.shape[1]} fall outside 0 to {ny}")
        for k in range(n_planes):
            self._handle.seek(self._offset + 4 * (k * ny * nx + start * nx))
            self._handle.write(np.ascontiguousarray(planes[k], dtype=">f4").tobytes())


@contextlib.contextmanager
def fits_cube_writer(path, header, *, overwrite=False):
    """Write a large float32 FITS cube band by band, whole or not at all.

    The file is written with plain file writes (no memory map), so memory use
    is that of one band, whatever the size of the cube.

    Parameters
    ----------
    path : str or `~pathlib.Path`
        The FITS file to write (not compressed).
    header : `~astropy.io.fits.Header`
        Its complete primary header, ``BITPIX = -32`` and ``NAXIS = 3`` (see
        ``rgb_cube_header``).
    overwrite : bool, optional
        Whether an existing file may be replaced.

    Yields
    ------
    writer
        An object whose ``write_rows(start, planes)`` writes ``planes`` of
        shape ``(3, rows, nx)`` at rows ``start`` onwards. Rows never written
        read as zero. The file appears at ``path`` only when the block ends
        without an exception.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from astropy.io import fits
    >>> path = os.path.join(tempfile.mkdtemp(), "cube.fits")
    >>> with fits_cube_writer(path, rgb_cube_header((4, 5))) as writer:
    ...     writer.write_rows(0, np.ones((3, 4, 5)))
    >>> fits.getdata(path).shape
    (3, 4, 5)
    """
    if header.get("BITPIX") != -32 or header.get("NAXIS") != 3:
        raise ValueError("fits_cube_writer needs a header with BITPIX = -32 and NAXIS = 3")
    check_fits_name(path)
    shape = (header["NAXIS3"], header["NAXIS2"], header["NAXIS1"])
    block = header.tostring().encode("ascii")
    size = 4 * shape[0] * shape[1] * shape[2]
    with _fits_output(path, overwrite) as temp:
        with open(temp, "r+b") as handle:
            handle.write(block)
            handle.truncate(len(block) + size + (-size) % 2880)  # zero padding
            yield _CubeWriter(handle, len(block), shape)


def write_fits(hdus, path, *, overwrite=False):
    """Write HDUs to a FITS file, whole or not at all.

    Parameters
    ----------
    hdus : `~astropy.io.fits.HDUList`, HDU or list of HDUs
        What to write; a first HDU that is not primary gets an empty primary
        HDU in front.
    path : str or `~pathlib.Path`
        The file to write.
    overwrite : bool, optional
        Whether an existing file may be replaced.

    Raises
    ------
    FileExistsError
        If the file exists and ``overwrite`` is `False`.
    OSError
        If the folder does not exist or is not writable.
    ValueError
        If the name does not end like a FITS file (``.fits``, ``.fit``, ``.fts``, or
        these with ``.gz``).
    """
    check_fits_name(path)
    if isinstance(hdus, fits.HDUList):
        hdulist = hdus
    else:
        items = [hdus] if not isinstance(hdus, (list, tuple)) else list(hdus)
        if items and not isinstance(items[0], fits.PrimaryHDU):
            items.insert(0, fits.PrimaryHDU())
        hdulist = fits.HDUList(items)
    with _fits_output(path, overwrite) as temp:
        hdulist.writeto(temp, overwrite=True)


@contextlib.contextmanager
def _fits_output(path, overwrite):
    """Yield an uncompressed temporary FITS file that becomes ``path`` at the end.

    A name ending in ``.gz`` gets the file gzip-compressed, reproducibly: the
    gzip header holds the final name and the time of ``SOURCE_DATE_EPOCH``
    (0 where it is not set), not those of the temporary.
    """
    with atomic_output(path, overwrite) as temp:
        if not temp.lower().endswith(".gz"):
            yield temp
            return
        plain = temp[:-3]  # unique as the temporary is
        os.close(os.open(plain, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        try:
            yield plain
            _gzip_file(plain, temp, os.path.basename(os.fspath(path)))
        finally:
            if os.path.lexists(plain):
                os.unlink(plain)


def _gzip_file(source, target, name):
    """Compress ``source`` into ``target``, whose gzip header names ``name``."""
    import gzip
    import shutil

    from .._environment import source_date_epoch

    with open(source, "rb") as raw, open(target, "wb") as out:
        with gzip.GzipFile(filename=name, mode="wb", fileobj=out, compresslevel=6,
                           mtime=min(source_date_epoch() or 0, 2**32 - 1)) as packed:
            shutil.copyfileobj(raw, packed, 2**20)
