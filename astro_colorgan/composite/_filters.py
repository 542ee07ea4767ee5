"""Which filter an image was taken in: emission lines and pivot wavelengths from its header."""

import re
from dataclasses import dataclass

__all__ = ["LINES", "FilterInfo", "filter_info", "identify_filter", "wavelength_order_warning"]

#: emission lines of narrowband imaging: letter -> (label, rest wavelength in nm, name patterns)
LINES = {
    "S": ("[SII]", 671.6, ("sii", "s2", "sulfur", "sulphur")),
    "H": ("H-alpha", 656.3, ("halpha", "hα", "ha", "h-alpha", "hydrogenalpha")),
    "O": ("[OIII]", 500.7, ("oiii", "o3", "oxygen")),
    "N": ("[NII]", 658.4, ("nii", "n2")),
    "B": ("H-beta", 486.1, ("hbeta", "hβ", "hb")),
}

# broadband and colour filters: name (as written in FILTER, case-sensitive first) -> nm
_BROAD = {
    "u": 355.0, "g": 477.0, "r": 623.0, "i": 763.0, "z": 913.0, "y": 990.0,
    "U": 365.0, "B": 445.0, "V": 551.0, "R": 658.0, "I": 806.0,
    "J": 1250.0, "H": 1650.0, "K": 2200.0, "Ks": 2150.0, "Kp": 2120.0,
    "blue": 450.0, "green": 530.0, "red": 640.0,
}
_BROAD_FOLDED = {}
for _name, _nm in _BROAD.items():
    _BROAD_FOLDED.setdefault(_name.lower(), _nm)
for _band in "ugriz":  # SDSS primed bands: g', gp
    _BROAD_FOLDED[_band + "p"] = _BROAD[_band]

# keywords naming the filter, in order of preference (ACS has FILTER1/FILTER2, WFPC2 FILTNAM1)
_NAME_KEYWORDS = ("FILTER", "FILTER1", "FILTER2", "FILTNAM1", "FILTNAM2", "BAND")
# HST/JWST names: F656N, F814W, F444W
_HST = re.compile(r"^F(\d{3,4})(W|N|M|LP|X|W2|QN)?$", re.IGNORECASE)
# instruments whose F-numbers count in 10 nm (JWST; HST WFC3/IR and NICMOS)
_TEN_NM = ("NIRCAM", "NIRISS", "MIRI", "NICMOS")
# HST WFC3/IR medium bands (F-numbers in 10 nm)
_WFC3_IR_MEDIUM = ("F098M", "F127M", "F139M", "F153M")
# a narrowband filter within this many nm of a line is taken for that line
_LINE_TOLERANCE = 3.0


@dataclass(frozen=True)
class FilterInfo:
    """What a header says of its filter.

    Attributes
    ----------
    name : str
        The filter's name as written (``FILTER`` and the like), or ``''``.
    wavelength : float or None
        Its (pivot) wavelength in nm, where known.
    line : str or None
        The emission line it isolates: ``'S'`` ([SII]), ``'H'`` (Hα), ``'O'``
        ([OIII]), ``'N'`` ([NII]) or ``'B'`` (Hβ), else `None`.
    source : str
        The keywords it was found from, e.g. ``'FILTER = F656N'``.
    """

    name: str = ""
    wavelength: float = None
    line: str = None
    source: str = ""

    def describe(self):
        """A short text: ``"Hα (FILTER = 'Ha')"``."""
        label = LINES[self.line][0] if self.line else (
            f"{self.wavelength:.0f} nm" if self.wavelength else "unknown")
        return f"{label} ({self.source})" if self.source else label


def _squash(text):
    return re.sub(r"[^0-9a-zαβ]", "", text.lower())


def _line_of_name(text):
    """The emission line a filter's name refers to (``'Ha 7nm'`` -> ``'H'``), or `None`."""
    squashed = _squash(text)
    tokens = [_squash(token) for token in re.split(r"[\s_\-/.,;:()\[\]']+", text) if token]
    for letter, (_, _, patterns) in LINES.items():
        for pattern in patterns:
            if len(pattern) <= 2:  # short ones only as a whole token, or with a width: ha7nm
                if any(re.fullmatch(re.escape(pattern) + r"(\d+(\.\d+)?(nm|a)?)?", token)
                       for token in tokens + [squashed]):
                    return letter
            elif pattern in squashed:
                return letter
    return None


def identify_filter(name, *, instrument=""):
    """Identify a filter by its name.

    Parameters
    ----------
    name : str
        A filter name as written in ``FILTER`` keywords: ``'Ha'``, ``'OIII 3nm'``,
        ``'[SII]'``, ``'F656N'``, ``'g'``, ``"SDSS r'"``, ``'HSC-I'``, ``'V'`` ...
    instrument : str, optional
        The ``INSTRUME`` keyword (JWST's and HST/NICMOS's F-numbers count in 10 nm).

    Returns
    -------
    info : `FilterInfo`
        Its emission line and wavelength where the name tells them.

    Examples
    --------
    >>> identify_filter("H-alpha 7nm").line
    'H'
    >>> identify_filter("F502N").line, identify_filter("F814W").wavelength
    ('O', 814.0)
    >>> identify_filter("r.MP9601").wavelength
    623.0
    """
    text = str(name).strip()
    if not text:
        return FilterInfo()
    match = _HST.match(text.replace(" ", ""))
    if match:
        nm = float(match.group(1))
        suffix = (match.group(2) or "").upper()
        if (instrument.strip().upper() in _TEN_NM or len(match.group(1)) == 4
                or (suffix == "W" and nm < 170) or text.upper() in _WFC3_IR_MEDIUM):
            nm *= 10.0  # JWST, and HST's near-infrared F105W ... F160W
        line = None
        if suffix == "N":
            near = min(LINES, key=lambda key: abs(LINES[key][1] - nm))
            line = near if abs(LINES[near][1] - nm) <= _LINE_TOLERANCE else None
        return FilterInfo(text, LINES[line][1] if line else nm, line)
    line = _line_of_name(text)
    if line:
        return FilterInfo(text, LINES[line][1], line)
    for token in [text] + re.split(r"[\s_\-/.,;:()']+", text):
        token = token.strip()
        if token in _BROAD:
            return FilterInfo(text, _BROAD[token])
        if token.lower() in _BROAD_FOLDED:
            return FilterInfo(text, _BROAD_FOLDED[token.lower()])
    return FilterInfo(text)


def filter_info(header):
    """What a FITS header says of its filter (``PHOTPLAM``, ``FILTER`` and the like).

    Parameters
    ----------
    header : `~astropy.io.fits.Header`

    Returns
    -------
    info : `FilterInfo`
        ``PHOTPLAM`` (Å, HST) gives the wavelength where present; the filter's
        name gives the emission line and otherwise the wavelength.

    Examples
    --------
    >>> from astropy.io import fits
    >>> filter_info(fits.Header({"FILTER": "OIII"})).describe()
    "[OIII] (FILTER = 'OIII')"
    """
    instrument = str(header.get("INSTRUME", ""))
    detector = str(header.get("DETECTOR", "")).strip().upper()
    info, source = FilterInfo(), ""
    for key in _NAME_KEYWORDS:
        value = header.get(key)
        if not isinstance(value, str) or not value.strip() or value.strip().upper().startswith(
                ("CLEAR", "N/A", "NONE", "OPEN")):
            continue
        info = identify_filter(value, instrument="NICMOS" if detector == "IR" else instrument)
        source = f"{key} = {value.strip()!r}"
        if info.wavelength is not None:
            break
    wavelength = info.wavelength
    photplam = header.get("PHOTPLAM")
    if isinstance(photplam, (int, float)) and not isinstance(photplam, bool) and photplam > 0:
        wavelength = float(photplam) / 10.0
        source = f"{source}, PHOTPLAM = {photplam:g}" if source else f"PHOTPLAM = {photplam:g}"
    if not source:
        return FilterInfo()
    return FilterInfo(info.name, wavelength, info.line, source)


def wavelength_order_warning(infos, names):
    """The warning text when the filters' wavelengths are not blue to red, else `None`.

    Parameters
    ----------
    infos : list of `FilterInfo`
        The filters, in the order given.
    names : list of str
        Their names, for the message.
    """
    known = [(index, info) for index, info in enumerate(infos) if info.wavelength is not None]
    if len(known) < 2:
        return None
    waves = [info.wavelength for _, info in known]
    if all(a <= b for a, b in zip(waves, waves[1:])):
        return None
    listed = ", ".join(f"{names[index]}: {info.wavelength:.0f} nm ({info.source})"
                       for index, info in known)
    return (f"the filters are not in order of increasing wavelength ({listed}); stack takes "
            "them blue to red (the reverse of make_lupton_rgb's r, g, b): give them blue to "
            "red, or name them with red=, green= and blue=, or choose mapping=")
