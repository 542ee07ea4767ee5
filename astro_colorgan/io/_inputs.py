"""The input front door: turn every supported image form into an `ImageData`.

Every function of the package that takes an image calls `read_image`, in the
spirit of reproject's ``parse_input_data``.
"""

import dataclasses
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.nddata import NDData
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS, FITSFixedWarning

from ._fits import first_line, open_fits, path_and_hdu, select_hdu

__all__ = ["ImageData", "blank_integers", "read_image"]

_ACCEPTED = (
    "a path (str or pathlib.Path, optionally 'file.fits[ext]'), an HDUList, an image HDU, "
    "an (array, WCS or Header) tuple, an NDData/CCDData or a 2-D array"
)


@dataclass(eq=False)
class ImageData:
    """A 2-D image with its bad-pixel mask, celestial WCS and header.

    Attributes
    ----------
    data : `~numpy.ndarray`
        The image, shape ``(ny, nx)``, float; pixels flagged in ``mask`` are NaN.
    mask : `~numpy.ndarray`
        Boolean array, shape ``(ny, nx)``: `True` where a pixel is bad or holds
        no data (non-finite or masked in the input).
    wcs : `~astropy.wcs.WCS` or `None`
        The 2-D celestial WCS of the image, or `None` if it has none.
    header : `~astropy.io.fits.Header`
        The header of the image (empty when the input had none).
    name : str
        A short description of where the image came from, for logs and
        provenance (e.g. ``'sample_g.fits[0]'``).
    """

    data: np.ndarray
    mask: np.ndarray
    wcs: WCS = None
    header: fits.Header = field(default_factory=fits.Header)
    name: str = "array"

    @property
    def shape(self):
        """The shape ``(ny, nx)`` of the image."""
        return self.data.shape

    @property
    def has_celestial_wcs(self):
        """Whether the image has a celestial WCS."""
        return self.wcs is not None

    def __repr__(self):
        wcs = "celestial WCS" if self.wcs is not None else "no WCS"
        return f"<ImageData {self.name!r} shape={self.shape} {wcs}>"


def _celestial_wcs(wcs_or_header, name, fobj=None):
    """Return the 2-D celestial `~astropy.wcs.WCS` of a header or WCS, or `None`."""
    if wcs_or_header is None:
        return None
    with warnings.catch_warnings():
        # astropy's notes about the fixes it applies to old headers are not ours to show
        warnings.simplefilter("ignore", FITSFixedWarning)
        if isinstance(wcs_or_header, fits.Header):
            _check_wcs_numbers(wcs_or_header, name)
            try:
                wcs = _header_wcs(wcs_or_header, fobj)
            except Exception as exc:  # wcslib raises many types for bad headers
                warnings.warn(
                    f"{name}: ignoring an invalid WCS ({first_line(exc)})", AstropyUserWarning
                )
                return None
        else:
            wcs = getattr(wcs_or_header, "low_level_wcs", wcs_or_header)
            if not isinstance(wcs, WCS):
                raise TypeError(
                    f"{name}: only FITS WCS (astropy.wcs.WCS) objects are supported, "
                    f"not {type(wcs_or_header).__name__}"
                )
        if not wcs.has_celestial:
            return None
        for what, values in (("CRVAL", wcs.wcs.crval), ("CRPIX", wcs.wcs.crpix),
                             ("CDELT", wcs.wcs.get_cdelt()), ("PC", wcs.wcs.get_pc())):
            values = np.asarray(values, dtype=float)
            if not np.isfinite(values).all():
                raise ValueError(f"{name}: the WCS holds a non-finite {what} "
                                 f"({values.ravel().tolist()}); fix the WCS or leave it out")
        if {wcs.wcs.lng, wcs.wcs.lat} != {0, 1}:
            warnings.warn(
                f"{name}: the celestial axes of the WCS are not the image axes; WCS ignored",
                AstropyUserWarning,
            )
            return None
        return wcs.celestial if wcs.naxis > 2 else wcs.deepcopy()


def _header_wcs(header, fobj):
    """The WCS of ``header``; of its first two axes where SIP distortion comes with more
    (astropy reads SIP in 2-D only: an RGB cube's third axis is its colour plane)."""
    if header.get("A_ORDER") is not None and header.get("NAXIS", 2) > 2 and \
            str(header.get("CTYPE1", "")).endswith("-SIP"):
        return WCS(header, fobj=fobj, naxis=2)
    return WCS(header, fobj=fobj)


# header keywords of a celestial WCS whose values must be finite numbers
_WCS_NUMBERS = re.compile(r"^(CRVAL|CRPIX|CDELT|CROTA)\d$|^(CD|PC)\d_\d$|^(LONPOLE|LATPOLE)$")


def _check_wcs_numbers(header, name):
    """Refuse WCS keywords whose value is not a finite number (wcslib reads NaN as 0)."""
    for card in header.cards:
        if not _WCS_NUMBERS.match(card.keyword):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # astropy's notes on the card it "fixes"
            try:
                value = card.value
            except (ValueError, fits.VerifyError):
                value = None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not np.isfinite(value):
                # the value as written in the file (card.image would "fix" it)
                image = getattr(card, "_image", None) or ""
                raw = image[10:].split("/")[0].strip() if image[8:10] == "= " else repr(value)
                raise ValueError(f"{name}: the WCS keyword {card.keyword} is not a finite "
                                 f"number ({raw}); fix the header or remove its WCS")


def _to_2d(array, name, plane):
    """Reduce ``array`` to 2-D, choosing ``plane`` of a 3-D cube."""
    array = np.asanyarray(array)
    if array.dtype.kind not in "biuf":
        kind = "complex numbers" if array.dtype.kind == "c" else f"values of type {array.dtype}"
        raise ValueError(f"{name} holds {kind}, not real numbers: give the real part, "
                         "the modulus or the phase as an image")
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3:
        if plane is None:
            raise ValueError(
                f"{name} holds a 3-D image of shape {array.shape}; choose a plane with "
                f"plane= (0 to {array.shape[0] - 1})"
            )
        if not -array.shape[0] <= plane < array.shape[0]:
            raise ValueError(
                f"plane={plane} is out of range for {name} ({array.shape[0]} planes)"
            )
        return array[plane]
    if plane is not None:
        raise ValueError(f"plane= was given but {name} is not a 3-D image")
    if array.ndim != 2:
        raise ValueError(f"{name} is not a 2-D image (shape {array.shape})")
    return array


def _from_hdu(hdu, name, plane, fobj, dtype):
    """The float data, BLANK mask (or None), celestial WCS and header of an image HDU."""
    try:
        raw = hdu.data
    except (TypeError, ValueError, OSError) as exc:
        raise OSError(f"Cannot read the data of {name}: {first_line(exc)}") from None
    header = hdu.header.copy()
    raw = _to_2d(raw, name, plane)
    array = np.array(raw, dtype=dtype)
    blank = blank_integers(raw, array, header)
    return array, blank, _celestial_wcs(header, name, fobj=fobj), header


def blank_integers(raw, array, header):
    """Set to NaN the pixels of ``array`` that the header's BLANK flags; return their mask.

    astropy honours ``BLANK`` when it scales integers to floats, but not for
    the unsigned integers it reads as such (``BITPIX = 16``, ``BZERO =
    32768``): their BLANK pixels would come back as numbers.

    Parameters
    ----------
    raw : `~numpy.ndarray`
        The data as astropy gives them.
    array : `~numpy.ndarray`
        Their float copy, changed in place.
    header : `~astropy.io.fits.Header`
        The header of the HDU they come from.

    Returns
    -------
    blank : `~numpy.ndarray` or None
        `True` at the BLANK pixels of integer data (flagged, so no warning is
        due), `None` where the data are not integers with a BLANK.
    """
    blank = header.get("BLANK")
    if header.get("BITPIX", 0) <= 0 or isinstance(blank, bool) or not isinstance(blank, int):
        return None
    scale, zero = header.get("BSCALE", 1), header.get("BZERO", 0)
    if raw.dtype.kind in "iu" and int(scale) == scale and int(zero) == zero:
        value = blank * int(scale) + int(zero)
        info = np.iinfo(raw.dtype)
        if info.min <= value <= info.max:
            array[raw == value] = np.nan
    # integers hold no NaN: every NaN now is a BLANK pixel (astropy's or ours)
    return np.isnan(array)


def _array_and_mask(values, mask, name, plane, dtype):
    """A float copy of an array (or masked array) and its mask (or `None`)."""
    if np.ma.isMaskedArray(values):
        if values.mask is not np.ma.nomask:
            own = np.broadcast_to(values.mask, values.shape)
            mask = own if mask is None else (own | mask)
        values = values.data
    array = np.array(_to_2d(np.asarray(values), name, plane), dtype=dtype)
    return array, None if mask is None else _to_2d(np.asarray(mask, dtype=bool), name, plane)


def read_image(data, *, hdu=None, wcs=None, plane=None, allow_no_wcs=True, dtype=np.float64):
    """Read one 2-D image from any supported input form.

    Parameters
    ----------
    data : str, `~pathlib.Path`, `~astropy.io.fits.HDUList`, image HDU, tuple, `~astropy.nddata.NDData`, `~numpy.ndarray` or `ImageData`
        The image, as one of:

        * the path of a FITS file (``str`` or `~pathlib.Path`); ``'file.fits[1]'``,
          ``'file.fits[SCI]'`` or ``'file.fits[SCI,2]'`` select an extension;
        * an `~astropy.io.fits.HDUList` (with ``hdu=`` when it holds several images);
        * an image HDU: `~astropy.io.fits.PrimaryHDU`, `~astropy.io.fits.ImageHDU` or
          `~astropy.io.fits.CompImageHDU`;
        * a tuple ``(array, wcs)`` where ``wcs`` is a `~astropy.wcs.WCS` or a
          `~astropy.io.fits.Header`;
        * an `~astropy.nddata.NDData` or `~astropy.nddata.CCDData` (its ``mask``
          and ``wcs`` are honoured);
        * a 2-D `~numpy.ndarray`, shape ``(ny, nx)`` (a `numpy.ma.MaskedArray`
          keeps its mask);
        * an `ImageData`, returned as is.
    hdu : int, str or tuple, optional
        The HDU to read from a file or `~astropy.io.fits.HDUList`: an index, an
        ``EXTNAME`` or ``(EXTNAME, EXTVER)``. Needed when several HDUs hold images.
    wcs : `~astropy.wcs.WCS` or `~astropy.io.fits.Header`, optional
        A WCS that replaces the one of the input.
    plane : int, optional
        The plane to take from a 3-D image, shape ``(nz, ny, nx)``.
    allow_no_wcs : bool, optional
        If `False`, an image without a celestial WCS raises `ValueError`.
    dtype : {`numpy.float64`, `numpy.float32`}, optional
        The float type of the returned data.

    Returns
    -------
    image : `ImageData`
        Data of shape ``(ny, nx)`` with NaN at bad pixels, the mask (`True` =
        bad or no data), the 2-D celestial WCS (or `None`), the header and a name.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    OSError
        If the file is not a FITS file or is truncated.
    ValueError
        If no HDU holds an image, several do and ``hdu`` is not given, the image
        is not 2-D (and no ``plane`` is chosen), it holds no finite pixel, or it
        lacks a celestial WCS while ``allow_no_wcs=False``.
    TypeError
        If ``data`` is of none of the accepted types.

    Warns
    -----
    `~astropy.utils.exceptions.AstropyUserWarning`
        If non-finite values are not flagged by the input's mask (they are
        treated as missing data).

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan.io import read_image
    >>> image = read_image(np.arange(12.0).reshape(3, 4))
    >>> image.shape, image.wcs is None, bool(image.mask.any())
    ((3, 4), True, False)
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, not {dtype}")
    mask_in = None
    if isinstance(data, ImageData):
        image = data
        if image.data.dtype != dtype:
            image = dataclasses.replace(image, data=image.data.astype(dtype))
        if wcs is not None:
            image = dataclasses.replace(image, wcs=_celestial_wcs(wcs, image.name))
        return _check_wcs(image, allow_no_wcs)
    if isinstance(data, (str, Path)):
        path, key = path_and_hdu(data, hdu)
        with open_fits(path) as hdulist:
            index = select_hdu(hdulist, key, os.path.basename(path))
            name = f"{os.path.basename(path)}[{index}]"
            array, mask_in, wcs_in, header = _from_hdu(hdulist[index], name, plane, hdulist,
                                                       dtype)
    elif isinstance(data, fits.HDUList):
        base = os.path.basename(data.filename() or "") or "HDUList"
        index = select_hdu(data, hdu, base)
        name = f"{base}[{index}]"
        array, mask_in, wcs_in, header = _from_hdu(data[index], name, plane, data, dtype)
    elif isinstance(data, (fits.PrimaryHDU, fits.ImageHDU)):
        name = type(data).__name__ + (f" {data.name}" if data.name not in ("", "PRIMARY") else "")
        array, mask_in, wcs_in, header = _from_hdu(data, name, plane, None, dtype)
    elif isinstance(data, NDData):
        name = type(data).__name__
        mask = None if data.mask is None else np.broadcast_to(data.mask, np.shape(data.data))
        array, mask_in = _array_and_mask(data.data, mask, name, plane, dtype)
        wcs_in = _celestial_wcs(data.wcs, name)
        header = _header_from_meta(data.meta)
        if getattr(data, "unit", None) is not None and "BUNIT" not in header:
            try:
                header["BUNIT"] = data.unit.to_string("fits")
            except ValueError:  # units outside the FITS standard, e.g. electron
                header["BUNIT"] = data.unit.to_string()
    elif isinstance(data, tuple):
        if len(data) != 2:
            raise TypeError("a tuple input must be (array, WCS or Header)")
        name = "array"
        values, wcs_or_header = data
        if not isinstance(wcs_or_header, (WCS, fits.Header)) and not hasattr(
            wcs_or_header, "low_level_wcs"
        ):
            raise TypeError(
                "the second element of an (array, wcs) tuple must be a WCS or a Header, "
                f"not {type(wcs_or_header).__name__}"
            )
        array, mask_in = _array_and_mask(values, None, name, plane, dtype)
        wcs_in = _celestial_wcs(wcs_or_header, name)
        header = wcs_or_header.copy() if isinstance(wcs_or_header, fits.Header) else fits.Header()
    elif isinstance(data, (np.ndarray, list)):
        name = "array"
        array, mask_in = _array_and_mask(data, None, name, plane, dtype)
        wcs_in, header = None, fits.Header()
    else:
        raise TypeError(f"Cannot read an image from {type(data).__name__}; expected {_ACCEPTED}")

    if wcs is not None:
        wcs_in = _celestial_wcs(wcs, name)
    return _check_wcs(_finish(array, mask_in, wcs_in, header, name), allow_no_wcs)


def _header_from_meta(meta):
    if isinstance(meta, fits.Header):
        return meta.copy()
    try:
        return fits.Header(dict(meta or {}))
    except (TypeError, ValueError):
        return fits.Header()


def _finish(array, mask_in, wcs, header, name):
    """Build the mask, blank bad pixels and check there is something left."""
    if array.ndim != 2:
        raise ValueError(f"{name} is not a 2-D image (shape {array.shape})")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    invalid = ~np.isfinite(array)
    if mask_in is not None:
        mask_in = np.asarray(mask_in, dtype=bool)
        if mask_in.shape != array.shape:
            raise ValueError(
                f"{name}: mask shape {mask_in.shape} differs from data shape {array.shape}"
            )
        unflagged = np.count_nonzero(invalid & ~mask_in)
        mask = invalid | mask_in
    else:
        unflagged = np.count_nonzero(invalid)
        mask = invalid
    if mask.all():
        raise ValueError(f"{name} holds no valid pixel (all are NaN, infinite or masked)")
    if unflagged:
        warnings.warn(
            f"{name}: {unflagged} non-finite pixel(s) not flagged in a mask are treated "
            "as missing data",
            AstropyUserWarning,
        )
    array[mask] = np.nan
    if wcs is not None:
        wcs.pixel_shape = (array.shape[1], array.shape[0])
    return ImageData(data=array, mask=mask, wcs=wcs, header=header, name=name)


def _check_wcs(image, allow_no_wcs):
    if not allow_no_wcs and image.wcs is None:
        raise ValueError(f"{image.name} has no celestial WCS")
    return image
