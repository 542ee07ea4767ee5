"""Image outputs: PNG, JPEG and TIFF files of RGB images, with AVM tags."""

import os
import warnings

import numpy as np
from astropy.utils.exceptions import AstropyUserWarning

from ._files import atomic_output, check_output_path

__all__ = ["IMAGE_FORMATS", "image_format", "write_rgb_image"]

#: image formats written by `write_rgb_image`, keyed by file extension
IMAGE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}

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
    with atomic_output(path, overwrite) as temp:
        image.save(temp, format=kind, **options)
        if avm is not None and kind in ("PNG", "JPEG"):
            avm.embed(temp, temp)
