"""Writers: FITS files, RGB cubes and PNG/JPEG/TIFF images with AVM tags.

Every writer refuses to replace an existing file unless ``overwrite=True`` and
writes to a temporary file in the destination folder that is renamed into
place at the end, so that a file is written whole or not at all.
"""

import contextlib
import datetime
import os
import textwrap
import uuid
import warnings

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from ..version import version

__all__ = [
    "add_history",
    "check_fits_name",
    "check_output_path",
    "is_fits_name",
    "remove_stale_temporaries",
    "fits_cube_writer",
    "fits_text",
    "image_format",
    "make_rgb_hdu",
    "rgb_cube_header",
    "provenance_history",
    "write_fits",
    "write_rgb_image",
]

#: image formats written by `write_rgb_image`, keyed by file extension
IMAGE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}

#: file name endings of FITS files
FITS_EXTENSIONS = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")

# TIFF tag that holds an XMP packet (Adobe XMP specification, part 3)
_TIFF_XMP_TAG = 700


def image_format(path, format=None):
    """Return the Pillow format name (``'PNG'``, ``'JPEG'`` or ``'TIFF'``) for ``path``.

    Parameters
    ----------
    path : str or `~pathlib.Path`
        The file name; its extension picks the format unless ``format`` is given.
    format : str, optional
        ``'png'``, ``'jpeg'``/``'jpg'`` or ``'tiff'``/``'tif'`` (any case).

    Returns
    -------
    format : str
        The format name understood by Pillow.

    Raises
    ------
    ValueError
        If the format is not supported or cannot be told from the extension.
    """
    if format is not None:
        key = "." + str(format).lower().lstrip(".")
        if key not in IMAGE_FORMATS:
            raise ValueError(f"Unsupported image format {format!r}; use PNG, JPEG or TIFF")
        return IMAGE_FORMATS[key]
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in IMAGE_FORMATS:
        raise ValueError(
            f"Cannot tell the image format of {os.fspath(path)}: use a .png, .jpg or .tif "
            "extension"
        )
    return IMAGE_FORMATS[extension]


def is_fits_name(path):
    """Whether the name of ``path`` ends like a FITS file (``.fits``, ``.fit``, ``.fts``,
    optionally ``.gz``), in any case."""
    return os.fspath(path).lower().endswith(FITS_EXTENSIONS)


def check_fits_name(path):
    """Refuse to write FITS data under a name that says another format.

    Parameters
    ----------
    path : str or `~pathlib.Path`
        The FITS file to be written.

    Raises
    ------
    ValueError
        If the name does not end in ``.fits``, ``.fit`` or ``.fts`` (optionally
        ``.gz``): a FITS cube named ``image.png`` would be read by nothing.
    """
    if not is_fits_name(path):
        raise ValueError(f"{os.fspath(path)} is not a FITS file name: the output is a FITS "
                         "cube (.fits); write a PNG image with --png FILE (write_rgb_image)")


def check_output_path(path, *, overwrite=False):
    """Check, before any work is done, that ``path`` can be written.

    Parameters
    ----------
    path : str or `~pathlib.Path`
        The file to be written.
    overwrite : bool, optional
        Whether an existing file may be replaced.

    Raises
    ------
    FileExistsError
        If the file exists and ``overwrite`` is `False`.
    OSError
        If the path is a directory, or its folder does not exist or is not writable.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"Output path is a directory: {path}")
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(
            f"File {path} already exists; use overwrite=True (--overwrite) to replace it"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(folder):
        raise FileNotFoundError(f"No such directory: {folder}")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"Not a directory: {folder}")
    probe = None
    try:
        probe = _reserve_temp(folder, os.path.basename(path))
    except OSError as exc:
        raise PermissionError(f"Cannot write to folder {folder}: {exc.strerror}") from None
    finally:
        if probe is not None:
            os.unlink(probe)


def _reserve_temp(folder, basename):
    """Create an empty, uniquely named hidden file in ``folder`` and return its path."""
    # the name keeps the extension, which decides e.g. gzip compression of FITS files, and
    # says which process on which machine writes it (see _remove_orphans)
    temp = os.path.join(folder, f"{_TEMP_PREFIX}{_host_tag()}.{os.getpid()}-"
                                f"{uuid.uuid4().hex[:8]}-{basename}")
    descriptor = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    os.close(descriptor)
    return temp


_TEMP_PREFIX = ".tmp-"


def _host_tag():
    """Six hex digits that name this machine (temporaries on a shared disk)."""
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def _remove_orphans(folder, basename):
    """Remove the temporaries of ``basename`` left by processes of this machine that died.

    A write killed by SIGKILL (or a crash) cannot clean up after itself; the
    next write of the same file does. Temporaries of live processes, and of
    other machines sharing the folder, are left alone.
    """
    import re

    pattern = re.compile(re.escape(_TEMP_PREFIX) + re.escape(_host_tag())
                         + r"\.(\d+)-[0-9a-f]{8}-" + re.escape(basename) + "$")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        match = pattern.match(name)
        if match and int(match[1]) != os.getpid() and not _process_alive(int(match[1])):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
                removed.append(os.path.join(folder, name))
    return removed


def remove_stale_temporaries(path):
    """Remove the temporary files that interrupted writes of ``path`` left behind.

    A writer killed before its end (a Dask worker, say) leaves its temporary
    file beside the destination; call this once no write of ``path`` is
    running any more.

    Parameters
    ----------
    path : str or `~pathlib.Path`
        The destination file.

    Returns
    -------
    removed : list of str
        The files removed.
    """
    import glob

    folder, basename = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = os.path.join(glob.escape(folder),
                           f"{glob.escape(_TEMP_PREFIX)}*-{glob.escape(basename)}")
    removed = []
    for stale in glob.glob(pattern):
        with contextlib.suppress(OSError):
            os.unlink(stale)
            removed.append(stale)
    return removed


def _commit(temp, path, overwrite):
    """Move the finished ``temp`` file to ``path`` in one step."""
    if overwrite:
        os.replace(temp, path)
        return
    try:
        # a hard link never replaces an existing file, even one created meanwhile
        os.link(temp, path)
    except FileExistsError:
        raise FileExistsError(
            f"File {path} already exists; use overwrite=True (--overwrite) to replace it"
        ) from None
    except OSError:  # file systems without hard links
        if os.path.lexists(path):
            raise FileExistsError(
                f"File {path} already exists; use overwrite=True (--overwrite) to replace it"
            ) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


@contextlib.contextmanager
def _atomic_output(path, overwrite):
    """Yield a temporary path to write; it becomes ``path`` only if the block succeeds."""
    path = os.fspath(path)
    check_output_path(path, overwrite=overwrite)
    folder = os.path.dirname(os.path.abspath(path))
    _remove_orphans(folder, os.path.basename(path))
    temp = _reserve_temp(folder, os.path.basename(path))
    try:
        yield temp
        _commit(temp, path, overwrite)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


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
        Lines written as HISTORY cards (see `provenance_history`).

    Returns
    -------
    header : `~astropy.io.fits.Header`
        A complete primary header (``BITPIX = -32``, ``NAXIS = 3``) as
        `make_rgb_hdu` writes it; `fits_cube_writer` writes data under it.
    """
    ny, nx = (int(n) for n in shape)
    header = fits.Header()
    if wcs is not None:
        if wcs.naxis != 2:
            raise ValueError(f"wcs must be a 2-D celestial WCS, not {wcs.naxis}-D")
        header.update(wcs.to_header())
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


def add_history(header, lines):
    """Add HISTORY cards to ``header``, long lines wrapped at word boundaries.

    Parameters
    ----------
    header : `~astropy.io.fits.Header`
        Changed in place.
    lines : iterable of str
        One entry per line of history (see `provenance_history`).
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
        Lines written as HISTORY cards (see `provenance_history`).

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
        `rgb_cube_header`).
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
    if os.fspath(path).endswith((".gz", ".bz2", ".zip")):
        raise ValueError(f"cannot write a compressed FITS file band by band: {os.fspath(path)}")
    shape = (header["NAXIS3"], header["NAXIS2"], header["NAXIS1"])
    block = header.tostring().encode("ascii")
    size = 4 * shape[0] * shape[1] * shape[2]
    with _atomic_output(path, overwrite) as temp:
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
    with _atomic_output(path, overwrite) as temp:
        hdulist.writeto(temp, overwrite=True)


def _to_8bit(rgb):
    """Convert a float ``(ny, nx, 3)`` image to 8-bit RGBA, flipped for display."""
    ny, nx = rgb.shape[:2]
    out = np.empty((ny, nx, 4), dtype=np.uint8)
    rows = max(1, 2**20 // max(nx, 1))
    for start in range(0, ny, rows):
        stop = min(ny, start + rows)
        # flip vertically: image files start at the top, FITS arrays at the bottom
        block = rgb[ny - stop: ny - start][::-1]
        scaled = np.asarray(block, dtype=np.float32) * np.float32(255.0)
        blank = np.isnan(scaled).any(axis=2)
        np.nan_to_num(scaled, copy=False, nan=0.0)
        np.clip(scaled, 0.0, 255.0, out=scaled)
        np.rint(scaled, out=scaled)
        out[start:stop, :, :3] = scaled
        out[start:stop, :, 3] = np.where(blank, 0, 255)
    return out


def _avm_for(wcs, shape):
    """Return the pyavm AVM object of ``wcs`` or `None` with a warning."""
    from pyavm import AVM

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            avm = AVM.from_wcs(wcs, shape=shape)
    except Exception as exc:  # pyavm raises plain Exception for unknown frames
        warnings.warn(f"AVM tags not written: {exc}", AstropyUserWarning)
        return None
    for item in caught:
        warnings.warn(f"AVM tags: {item.message}", AstropyUserWarning)
    scale, rotation = avm.Spatial.Scale, avm.Spatial.Rotation
    if scale is not None and rotation is not None and scale[1] < 0:
        # pyavm may describe the WCS as (+x, -y, rotation); its own reader (and others)
        # then lose 180 degrees: use the equivalent (-x, +y, rotation + 180) instead
        avm.Spatial.Scale = [-scale[0], -scale[1]]
        avm.Spatial.Rotation = (float(rotation) + 360.0) % 360.0 - 180.0
    scale = avm.Spatial.Scale
    if scale is not None and scale[0] > 0 and scale[1] > 0:
        # mirrored sky (east to the right): Scale and Rotation cannot say so, a CD matrix can
        from pyavm.wcs_utils import get_cd

        avm.Spatial.CDMatrix = list(get_cd(wcs))
        avm.Spatial.Scale = None
        avm.Spatial.Rotation = None
    if avm.Spatial.Equinox is None or not np.isfinite(float(avm.Spatial.Equinox)):
        # ICRS has no equinox; AVM readers expect one and J2000 is its convention
        if str(avm.Spatial.CoordinateFrame) in ("ICRS", "FK5"):
            avm.Spatial.Equinox = "J2000"
    return avm


def write_rgb_image(rgb, path, *, wcs=None, overwrite=False, format=None):
    """Write an RGB image as PNG, JPEG or TIFF, with AVM tags for its WCS.

    Parameters
    ----------
    rgb : `~numpy.ndarray`
        The image, shape ``(ny, nx, 3)``, channels R, G, B, values in [0, 1]
        (clipped). Row 0 is the bottom of the image (FITS order); the file is
        flipped so that it displays the right way up. NaN pixels become
        transparent in PNG and black in JPEG and TIFF.
    path : str or `~pathlib.Path`
        The file to write.
    wcs : `~astropy.wcs.WCS`, optional
        The 2-D celestial WCS of the image, embedded as AVM tags (pyavm).
    overwrite : bool, optional
        Whether an existing file may be replaced.
    format : {'png', 'jpeg', 'tiff'}, optional
        The format, by default from the file extension.

    Raises
    ------
    FileExistsError
        If the file exists and ``overwrite`` is `False`.
    OSError
        If the folder does not exist or is not writable.
    ValueError
        If ``rgb`` has the wrong shape or the format is not supported.
    """
    from PIL import Image

    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must have shape (ny, nx, 3), not {rgb.shape}")
    kind = image_format(path, format)
    check_output_path(path, overwrite=overwrite)
    pixels = _to_8bit(rgb)
    avm = _avm_for(wcs, rgb.shape[:2]) if wcs is not None else None
    if kind == "PNG":
        # an alpha channel only where some pixels hold no data
        keep = 4 if not pixels[:, :, 3].all() else 3
    else:
        keep = 3
    image = Image.fromarray(np.ascontiguousarray(pixels[:, :, :keep]))
    # fast zlib level: a large PNG compresses 2-3 times faster for 15% more bytes
    options = {"quality": 95} if kind == "JPEG" else {"compress_level": 1} if kind == "PNG" \
        else {}
    if kind == "TIFF" and avm is not None:
        options["tiffinfo"] = {_TIFF_XMP_TAG: avm.to_xmp()}
    with _atomic_output(path, overwrite) as temp:
        image.save(temp, format=kind, **options)
        if avm is not None and kind in ("PNG", "JPEG"):
            avm.embed(temp, temp)
