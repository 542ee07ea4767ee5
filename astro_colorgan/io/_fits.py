"""FITS files: opening them with one-line errors, and choosing the image HDU."""

import os
import re
import warnings

from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

__all__ = ["first_line", "open_fits", "parse_ext", "path_and_hdu", "select_hdu", "split_path"]

_EXT_SYNTAX = re.compile(r"^(?P<path>.+)\[(?P<ext>[^\[\]]+)\]$")


def parse_ext(text):
    """Turn the ``ext`` of ``file.fits[ext]`` or an ``--hdu`` value into an HDU key."""
    if not isinstance(text, str):
        return text
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if "," in text:
        extname, _, ver = text.partition(",")
        if re.fullmatch(r"\s*\d+\s*", ver):
            return (extname.strip(), int(ver))
    return text


def split_path(path):
    """Split ``file.fits[ext]`` into ``(file.fits, ext)`` unless the name exists as is."""
    text = os.fspath(path)
    if os.path.exists(text):
        return text, None
    match = _EXT_SYNTAX.match(text)
    if match is not None:
        return match["path"], parse_ext(match["ext"])
    return text, None


def path_and_hdu(path, hdu):
    """The file and HDU key of ``file.fits[ext]`` and ``hdu=``, which must not disagree."""
    name, ext = split_path(path)
    if ext is not None and hdu is not None and parse_ext(hdu) != ext:
        raise ValueError(f"{os.fspath(path)} selects HDU {ext!r} but hdu= asks for "
                         f"{parse_ext(hdu)!r}: give only one of them")
    return name, ext if hdu is None else hdu


def open_fits(path, **kwargs):
    """Open a FITS file, turning astropy's many failure modes into one-line `OSError`.

    Keyword arguments go to `astropy.io.fits.open`.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Is a directory, not a FITS file: {path}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdulist = fits.open(path, lazy_load_hdus=False, **kwargs)
        except OSError as exc:
            raise OSError(f"Not a FITS file or corrupt: {path} ({first_line(exc)})") from None
    for item in caught:
        message = first_line(item.message)
        if "truncated" in message:
            hdulist.close()
            raise OSError(f"Truncated FITS file: {path} ({message})")
        if not issubclass(item.category, ResourceWarning):
            warnings.warn(f"{os.path.basename(path)}: {message}", AstropyUserWarning)
    return hdulist


def first_line(obj):
    return " ".join(str(obj).split())


def image_hdus(hdulist):
    """Indices of the HDUs of ``hdulist`` that hold an image with data."""
    return [
        index
        for index, hdu in enumerate(hdulist)
        if hdu.is_image and hdu.header.get("NAXIS", 0) >= 1 and len(hdu.shape) >= 1
        and all(size > 0 for size in hdu.shape)
    ]


def describe_hdu(hdulist, index):
    name = hdulist[index].name
    return f"{index}" if name in ("", "PRIMARY") else f"{index} {name}"


def select_hdu(hdulist, hdu, name):
    """Pick the image HDU ``hdu`` of ``hdulist``, or its only image HDU."""
    if hdu is not None:
        key = parse_ext(hdu)
        try:
            index = hdulist.index_of(key)
        except (KeyError, IndexError):
            raise ValueError(f"{name} has no HDU {key!r} ({len(hdulist)} HDUs)") from None
        if index >= len(hdulist) or index < -len(hdulist):
            raise ValueError(f"{name} has no HDU {key!r} ({len(hdulist)} HDUs)")
        index = index % len(hdulist)
        if index not in image_hdus(hdulist):
            raise ValueError(f"HDU {key!r} of {name} holds no image")
        return index
    candidates = image_hdus(hdulist)
    if not candidates:
        raise ValueError(f"{name} holds no image HDU")
    if len(candidates) > 1:
        listed = ", ".join(describe_hdu(hdulist, index) for index in candidates)
        raise ValueError(
            f"{name} holds several image HDUs ({listed}); choose one with hdu="
        )
    return candidates[0]
