"""What an image is: a deep-sky colour photograph or a broadband survey field.

Single-band colour is ill-posed, and the same round smooth blob is a teal
planetary nebula in a photograph and an orange elliptical galaxy in a survey
field. A subject-conditioned model is told which of the two it is looking
at, and for a field the wavelengths of the filter it colours and of the
filters its colour is to be shown in, as constant input planes
(`~astro_colorgan.nets.SUBJECT_CHANNELS`).
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["SUBJECTS", "Subject", "subject_vector", "choose_subject"]

#: The values of ``Colorizer(subject=...)``.
SUBJECTS = ("auto", "photograph", "field")

#: Wavelength (nm) the colorized filter's is measured against.
REFERENCE_WAVELENGTH = 600.0
#: log2 of how far the bluest and reddest display filters lie from the colorized
#: one when they are not given: about g, r, i around r (and F435W, F606W, F814W).
DEFAULT_SPREAD = 0.4
#: The wavelength (nm) taken for a field's colorized filter when nothing says it.
DEFAULT_WAVELENGTH = 620.0


def subject_vector(kind, band=None, blue=None, red=None):
    """The subject planes' values (`~astro_colorgan.nets.SUBJECT_CHANNELS`) of an image.

    Parameters
    ----------
    kind : {'photograph', 'field'}
        What the image is.
    band : float, optional
        A field's colorized filter's wavelength in nm (default 620).
    blue, red : float, optional
        The wavelengths (nm) of the bluest and the reddest filter its colour
        is to be shown in (default: ``band`` × 2^∓0.4).

    Returns
    -------
    vector : `numpy.ndarray`
        float32 ``(4,)``: zeros for a photograph; for a field 1, log2(band /
        600 nm), log2(blue / band), log2(red / band).

    Examples
    --------
    >>> subject_vector("field", 623.0, 477.0, 763.0).round(2)
    array([ 1.  ,  0.05, -0.39,  0.29], dtype=float32)
    """
    if kind == "photograph":
        return np.zeros(4, np.float32)
    if kind != "field":
        raise ValueError(f"kind must be 'photograph' or 'field', not {kind!r}")
    band = DEFAULT_WAVELENGTH if band is None else _wavelength("band", band)
    blue = band * 2 ** -DEFAULT_SPREAD if blue is None else _wavelength("blue", blue)
    red = band * 2 ** DEFAULT_SPREAD if red is None else _wavelength("red", red)
    if not blue <= red:
        raise ValueError(f"the display filters go blue to red: {blue:g} nm is redder than "
                         f"{red:g} nm")
    return np.array([1.0, math.log2(band / REFERENCE_WAVELENGTH), math.log2(blue / band),
                     math.log2(red / band)], np.float32)


def _wavelength(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a wavelength in nm above 0, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class Subject:
    """The subject an image is coloured as, and why.

    Attributes
    ----------
    kind : {'photograph', 'field'}
        What the image is taken for.
    band : float or None
        A field's colorized filter's wavelength in nm, where known.
    blue, red : float or None
        The display filters' wavelengths (nm), where given.
    reason : str
        How the subject was chosen, e.g. ``"FILTER = 'r' names a broadband filter"``.
    """

    kind: str
    band: float = None
    blue: float = None
    red: float = None
    reason: str = ""

    @property
    def vector(self):
        """The subject planes' values (`subject_vector`)."""
        return subject_vector(self.kind, self.band, self.blue, self.red)

    def describe(self):
        """One line for HISTORY and the log."""
        if self.kind == "photograph":
            return f"deep-sky colour photograph ({self.reason})"
        vector = self.vector
        band = REFERENCE_WAVELENGTH * 2 ** float(vector[1])
        blue, red = band * 2 ** float(vector[2]), band * 2 ** float(vector[3])
        return (f"broadband survey field, filter at {band:.0f} nm, shown as {blue:.0f}-"
                f"{red:.0f} nm ({self.reason})")


def filter_sequence(filters):
    """Display filters as a tuple: a sequence as it is, ``'g,r,i'`` split at its commas."""
    if isinstance(filters, str):  # 'g,r,i', as on the command line
        return tuple(name.strip() for name in filters.split(","))
    return tuple(filters)


def _filter_wavelengths(filters):
    """The wavelengths (nm) of display filters given by name or in nm, blue to red."""
    from ..composite._filters import identify_filter

    filters = filter_sequence(filters)
    out = []
    for value in filters:
        if isinstance(value, str):
            info = identify_filter(value)
            if info.wavelength is None or info.line is not None:
                raise ValueError(f"filters: {value!r} is not a broadband filter this package "
                                 "knows (give its wavelength in nm)")
            out.append(info.wavelength)
        else:
            out.append(_wavelength("filters", value))
    if len(out) < 2:
        raise ValueError(f"filters names the display filters, blue to red (at least 2), not "
                         f"{len(out)}")
    if out != sorted(out):
        raise ValueError("filters go blue to red: "
                         + ", ".join(f"{w:g} nm" for w in out) + " are not in that order")
    return out


def choose_subject(subject, header=None, *, filters=None, display_ready=False):
    """The subject of an image: as given, or read from its header.

    Parameters
    ----------
    subject : {'auto', 'photograph', 'field'}
        ``'auto'`` takes an image whose header names a broadband filter
        (``FILTER``, ``PHOTPLAM`` and the like, with ``INSTRUME``) for a survey
        field, and any other (display images such as PNG or JPEG photographs,
        data without filter keywords) for a photograph.
    header : `~astropy.io.fits.Header`, optional
        The image's header.
    filters : sequence or str, optional
        The filters (names such as ``'g'`` or ``'F606W'``, or wavelengths in
        nm), blue to red, that a field's colour is to be shown in (as
        `~astro_colorgan.stack` of them would show it); the middle one is
        the colorized filter where the header does not say.
    display_ready : bool
        Whether the image is display-scaled already (a photograph unless said).

    Returns
    -------
    `Subject`

    Raises
    ------
    ValueError
        For an unknown subject or display filters that are not known broadband filters.

    Examples
    --------
    >>> from astropy.io import fits
    >>> choose_subject("auto", fits.Header({"FILTER": "r"})).kind
    'field'
    >>> choose_subject("photograph", fits.Header({"FILTER": "r"})).reason
    'as asked'
    """
    from ..composite._filters import filter_info

    if subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {', '.join(map(repr, SUBJECTS))}, not "
                         f"{subject!r}")
    shown = _filter_wavelengths(filters) if filters is not None else None
    info = filter_info(header) if header is not None else None
    broadband = info is not None and info.wavelength is not None and info.line is None
    if subject == "auto":
        if display_ready or not broadband:
            why = ("display-ready data" if display_ready else
                   "no broadband filter in the header" if info is None or not info.source
                   else f"{info.source} is not a broadband filter")
            return Subject("photograph", reason=why)
        reason = f"{info.source} names a broadband filter"
    elif subject == "photograph":
        return Subject("photograph", reason="as asked")
    else:
        reason = "as asked"
    band = info.wavelength if broadband else None
    if band is None and shown is not None:
        band = shown[len(shown) // 2]
    blue, red = (shown[0], shown[-1]) if shown is not None else (None, None)
    if filters is not None:
        reason += ", display filters given"
    return Subject("field", band, blue, red, reason)
