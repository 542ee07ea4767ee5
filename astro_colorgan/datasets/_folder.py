"""Folders of colour images: listing, the fixed split rule and reading."""

import hashlib
import os
import warnings

import numpy as np

from ..io._files import FITS_EXTENSIONS, is_fits_name

__all__ = [
    "field_filters",
    "IMAGE_EXTENSIONS",
    "TEST_SPLIT_THRESHOLD",
    "in_test_split",
    "in_validation_split",
    "find_images",
    "is_field_folder",
    "read_color_image",
    "read_field",
    "shrink",
    "is_coloured",
]

#: File name endings read as colour images.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff") + FITS_EXTENSIONS
#: An image is in the test split when the first byte of sha256(name) is below this.
TEST_SPLIT_THRESHOLD = 26
_VALIDATION_RANGE = (26, 52)


def _first_byte(file_name):
    return hashlib.sha256(os.path.basename(file_name).encode()).digest()[0]


def in_test_split(file_name):
    """Whether an image belongs to the fixed test split.

    Parameters
    ----------
    file_name : str
        The file name (any leading folders are ignored).

    Returns
    -------
    bool
        ``sha256(name)[0] < 26``, the rule of the evaluation protocol.

    Examples
    --------
    >>> in_test_split("m1dumont.png"), in_test_split("abell33.png")
    (False, True)
    """
    return _first_byte(file_name) < TEST_SPLIT_THRESHOLD


def in_validation_split(file_name):
    """Whether an image is held out of training for validation (``26 <= sha256(name)[0] < 52``)."""
    return _VALIDATION_RANGE[0] <= _first_byte(file_name) < _VALIDATION_RANGE[1]


def find_images(folder, *, split="all"):
    """List the colour images of a folder (not recursive), sorted by name.

    Parameters
    ----------
    folder : str or path-like
        A folder holding PNG/JPEG/TIFF images, RGB FITS cubes ``(3, ny, nx)``
        or simulated fields (sub-folders of one FITS image per filter, as
        ``astro-colorize simulate`` writes them; see `read_color_image`).
    split : {'all', 'train', 'test', 'fit', 'validation'}
        ``'test'``: the fixed test split; ``'train'``: every other image;
        ``'fit'`` and ``'validation'``: the training split cut into the images
        that are trained on and the ~10 % held out to choose the decoding
        temperature.

    Returns
    -------
    paths : list of str

    Raises
    ------
    OSError
        If ``folder`` is not a folder.
    ValueError
        If no image of the split is found.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"No such folder: {folder}")
    choose = {
        "all": lambda n: True,
        "test": in_test_split,
        "train": lambda n: not in_test_split(n),
        "validation": in_validation_split,
        "fit": lambda n: not in_test_split(n) and not in_validation_split(n),
    }
    if split not in choose:
        raise ValueError(f"split must be one of {sorted(choose)}, not {split!r}")
    names = sorted(n for n in os.listdir(folder)
                   if (n.lower().endswith(IMAGE_EXTENSIONS)
                       or is_field_folder(os.path.join(folder, n))) and choose[split](n))
    if not names:
        raise ValueError(f"{folder} holds no colour image (PNG, JPEG, TIFF, RGB FITS cube or "
                         f"simulated field) in the {split!r} split")
    return [os.path.join(folder, n) for n in names]


def is_field_folder(path):
    """Whether ``path`` is a folder of per-filter FITS images (a simulated field).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
        True for a folder that holds at least one FITS file.
    """
    path = os.fspath(path)
    return os.path.isdir(path) and any(is_fits_name(n)
                                       for n in os.listdir(path))


def read_field(path, *, max_side=None):
    """A simulated field as its truth composite and as the linear data of its filters.

    Parameters
    ----------
    path : str or path-like
        A field's folder (see `~astro_colorgan.datasets.simulate_fields`).
    max_side : int, optional
        Shrink both (never enlarge) so that the longest side is at most this.

    Returns
    -------
    rgb : `numpy.ndarray`
        float32 ``(ny, nx, 3)`` composite, as `read_color_image` reads it.
    bands : `numpy.ndarray`
        float32 ``(n_filters, ny, nx)`` the filters' linear images (sky
        included), blue to red, on the same grid, row 0 at the top: what an
        astronomer with one of the filters would colorize.
    """
    from astropy import log

    from ..composite import stack
    from ._sim_field import read_simulated_field

    images = read_simulated_field(path).images  # read once: stack takes them from memory
    level = log.level
    log.setLevel("WARNING")  # a composite per field: its steps are not news
    try:
        rgb = stack(images).rgb
    finally:
        log.setLevel(level)
    rgb = np.ascontiguousarray(np.clip(rgb[::-1], 0, 1), dtype=np.float32)
    bands = np.stack([np.asarray(hdu.data, np.float32)[::-1] for hdu in images])
    if max_side is not None:
        rgb, bands = shrink(rgb, max_side), _shrink_planes(bands, max_side)
    return rgb, np.ascontiguousarray(bands, dtype=np.float32)


def _read_fits_cube(path):
    from astropy.io import fits

    with fits.open(path) as hdul:
        for hdu in hdul:
            if hdu.data is not None and hdu.data.ndim == 3 and hdu.data.shape[0] == 3:
                cube = np.asarray(hdu.data, dtype=np.float32)
                break
        else:
            raise ValueError(f"{path} holds no RGB cube of shape (3, ny, nx)")
    rgb = np.moveaxis(cube, 0, -1)[::-1]  # FITS row 0 is the bottom: make row 0 the top
    rgb = np.where(np.isfinite(rgb), rgb, 0.0)
    top = np.nanmax(rgb)
    if rgb.min() < 0 or top > 1:
        rgb = np.clip(rgb, 0, None) / (top if top > 0 else 1.0)
    return np.ascontiguousarray(rgb, dtype=np.float32)


def read_color_image(path, *, max_side=None):
    """Read a colour image as float32 RGB ``(ny, nx, 3)`` in [0, 1], row 0 at the top.

    Palette and greyscale images are converted to RGB, an alpha channel is
    dropped; FITS cubes ``(3, ny, nx)`` (planes R, G, B, as written by
    ``stack``) are read with astropy. A folder of one FITS image per filter
    (a simulated field, see `~astro_colorgan.datasets.simulate_fields`) is
    read as its truth composite: `~astro_colorgan.stack` of its filters, blue
    to red, with the default background and stretch.

    Parameters
    ----------
    path : str or path-like
        The image file, or a field's folder.
    max_side : int, optional
        Shrink (never enlarge) so that the longest side is at most this,
        with PIL's ``thumbnail`` and a Lanczos filter.

    Returns
    -------
    rgb : `numpy.ndarray`
        float32 ``(ny, nx, 3)``.

    Raises
    ------
    OSError
        If the file cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    path = os.fspath(path)
    if os.path.isdir(path):
        return read_field(path, max_side=max_side)[0]
    if is_fits_name(path):
        rgb = _read_fits_cube(path)
        return rgb if max_side is None else shrink(rgb, max_side)
    try:
        with Image.open(path) as image:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PIL's palette-transparency notes
                image = image.convert("RGBA" if "transparency" in image.info else image.mode)
                image = image.convert("RGB")
            if max_side is not None:
                image.thumbnail((max_side, max_side), Image.LANCZOS)
            return np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise OSError(f"cannot read {path} as an image: {exc}") from None


def shrink(rgb, max_side):
    """Shrink a float RGB image so its longest side is at most ``max_side`` (Lanczos).

    Parameters
    ----------
    rgb : `numpy.ndarray`
        ``(ny, nx, 3)`` float image.
    max_side : int
        Longest side of the result.

    Returns
    -------
    `numpy.ndarray`
        float32 ``(my, mx, 3)``; ``rgb`` itself if it is small enough.
    """
    ny, nx = rgb.shape[:2]
    if max(ny, nx) <= max_side:
        return rgb.astype(np.float32, copy=False)
    return np.clip(np.moveaxis(_shrink_planes(np.moveaxis(rgb, -1, 0), max_side), 0, -1),
                   0, 1).astype(np.float32)


def _shrink_planes(planes, max_side):
    """``(n, ny, nx)`` planes shrunk (Lanczos, not clipped) so the longest side is ``max_side``."""
    from PIL import Image

    ny, nx = planes.shape[1:]
    if max(ny, nx) <= max_side:
        return planes.astype(np.float32, copy=False)
    scale = max_side / max(ny, nx)
    size = (max(1, round(nx * scale)), max(1, round(ny * scale)))
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(p, dtype=np.float32))
                                .resize(size, Image.LANCZOS)) for p in planes])


def is_coloured(rgb, *, min_fraction=0.05, min_lightness=15.0, min_chroma=10.0):
    """Whether an image has colour, by the evaluation protocol's rule.

    At least ``min_fraction`` of the pixels with CIELAB L* above
    ``min_lightness`` must have chroma sqrt(a*² + b*²) above ``min_chroma``.

    Parameters
    ----------
    rgb : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1].

    Returns
    -------
    bool
    """
    from skimage.color import rgb2lab

    lab = rgb2lab(np.clip(rgb, 0, 1))
    foreground = lab[..., 0] > min_lightness
    if not foreground.any():
        return False
    chroma = np.hypot(lab[..., 1], lab[..., 2])[foreground]
    return bool(np.mean(chroma > min_chroma) >= min_fraction)


def field_filters(path):
    """The filters of a simulated field, blue to red: what their headers say of them.

    Parameters
    ----------
    path : str or path-like
        A field's folder (see `~astro_colorgan.datasets.simulate_fields`).

    Returns
    -------
    list of `~astropy.io.fits.Header`
        The ``FILTER``, ``INSTRUME`` and ``PHOTPLAM`` cards of each filter's
        image, sorted by ``PHOTPLAM`` (the order of `read_field`'s bands).
    """
    from astropy.io import fits

    path = os.fspath(path)
    headers = []
    for name in sorted(os.listdir(path)):
        if is_fits_name(name):
            header = fits.getheader(os.path.join(path, name))
            if "FILTER" in header and "PHOTPLAM" in header:
                headers.append(fits.Header([(key, header[key]) for key in
                                            ("FILTER", "INSTRUME", "PHOTPLAM") if key in header]))
    return sorted(headers, key=lambda h: float(h["PHOTPLAM"]))

