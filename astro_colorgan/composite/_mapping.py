"""Which filter goes into which of R, G, B: named narrowband mappings and user mappings."""

import numbers

import numpy as np

from ._filters import LINES

__all__ = ["MAPPINGS", "mapping_matrix", "parse_colour"]

#: the named narrowband mappings: name -> the lines that go to R, G and B
MAPPINGS = {
    "SHO": "SHO",  # the Hubble palette: [SII] red, H-alpha green, [OIII] blue
    "HSO": "HSO",  # H-alpha red, [SII] green, [OIII] blue
    "HOO": "HOO",  # bicolour: H-alpha red, [OIII] green and blue
    "OHS": "OHS",  # [OIII] red, H-alpha green, [SII] blue
}

_CHANNELS = "RGB"


def _lines_of(name):
    """The R, G, B line letters of a named mapping (any three of S, H, O, N, B), or `None`."""
    key = name.strip().upper()
    if key in MAPPINGS:
        return MAPPINGS[key]
    if len(key) == 3 and set(key) <= set(LINES):
        return key
    return None


def parse_colour(colour):
    """An R, G, B triple from a colour: a name (``'red'``, ``'cyan'``, ``'#ff8800'``, any
    matplotlib colour), a channel letter ``'R'``/``'G'``/``'B'``, or three numbers.

    Examples
    --------
    >>> parse_colour("cyan"), parse_colour("R"), parse_colour((0.5, 0, 1))
    ((0.0, 1.0, 1.0), (1.0, 0.0, 0.0), (0.5, 0.0, 1.0))
    """
    if isinstance(colour, str):
        text = colour.strip()
        if len(text) == 1 and text.upper() in _CHANNELS:
            return tuple(float(k == _CHANNELS.index(text.upper())) for k in range(3))
        from matplotlib.colors import to_rgb

        try:
            return tuple(float(value) for value in to_rgb(text))
        except ValueError:
            raise ValueError(f"unknown colour {colour!r}: give a colour name, '#rrggbb', "
                             "R, G or B, or three numbers") from None
    values = np.asarray(colour, dtype=float) if not isinstance(colour, numbers.Number) else None
    if values is None or values.shape != (3,) or not np.all(np.isfinite(values)) \
            or values.min() < 0:
        raise ValueError(f"a colour must be a name or three numbers (R, G, B) not below 0, "
                         f"not {colour!r}")
    return tuple(float(value) for value in values)


def _assign_lines(lines, infos, names):
    """For each filter, the line letter it carries: from FILTER keywords, else by wavelength.

    ``lines`` are the distinct letters the mapping needs; the filters whose keywords do not
    name a line take the remaining ones in order of wavelength, blue to red (as given).
    """
    needed = sorted(set(lines), key=lambda letter: LINES[letter][1])
    if len(infos) != len(needed):
        wanted = ", ".join(LINES[letter][0] for letter in needed)
        raise ValueError(f"mapping {lines} needs {len(needed)} filter(s) ({wanted}, blue to "
                         f"red), not {len(infos)}")
    assigned = [None] * len(infos)
    for index, info in enumerate(infos):
        if info.line is None:
            continue
        if info.line not in needed:
            raise ValueError(f"{names[index]} is {LINES[info.line][0]} ({info.source}), "
                             f"which mapping {lines} does not use")
        if info.line in assigned:
            other = names[assigned.index(info.line)]
            raise ValueError(f"{names[index]} and {other} are both {LINES[info.line][0]} "
                             f"({info.source})")
        assigned[index] = info.line
    rest = [letter for letter in needed if letter not in assigned]
    for index in range(len(infos)):
        if assigned[index] is None:
            assigned[index] = rest.pop(0)
    return assigned


def _match_key(key, infos, names):
    """The index of the filter a mapping key names: its position, FILTER value or line."""
    from ._filters import identify_filter

    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        if not 0 <= key < len(infos):
            raise ValueError(f"mapping key {key} is not a filter index (0 to {len(infos) - 1})")
        return [key]
    text = str(key).strip()
    found = [index for index, info in enumerate(infos)
             if info.name and info.name.strip().lower() == text.lower()]
    if not found:
        line = identify_filter(text).line
        found = [index for index, info in enumerate(infos) if line and info.line == line]
    if not found:
        found = [index for index, name in enumerate(names) if name.lower().startswith(
            text.lower())]
    return found


def mapping_matrix(mapping, infos, names):
    """The ``(3, n)`` channel matrix (rows R, G, B) of a mapping, and how it was read.

    Parameters
    ----------
    mapping : str, dict or array-like
        A named mapping (``'SHO'``, ``'HSO'``, ``'HOO'``, ``'OHS'``, or any three of the
        letters S, H, O, N, B for R, G, B); a dict from filter (``FILTER`` value, line
        name such as ``'Ha'``, index, or the start of the file name) to a colour; or
        ``n`` colours, one per filter in the order given (an ``(n, 3)`` matrix of
        R, G, B weights, or colour names).
    infos : list of `~astro_colorgan.composite._filters.FilterInfo`
        What each filter's header says.
    names : list of str
        The filters' names, for messages.

    Returns
    -------
    matrix : `~numpy.ndarray`
        Shape ``(3, n)``; not normalised (no grey balance).
    notes : list of str
        One line per filter: which colour it gives and why.
    """
    n = len(infos)
    if isinstance(mapping, str):
        lines = _lines_of(mapping)
        if lines is None:
            raise ValueError(f"unknown mapping {mapping!r}; use one of "
                             f"{', '.join(MAPPINGS)} (or three of the letters S, H, O, N, B "
                             "for R, G, B), a dict of filter to colour or one colour per "
                             "filter")
        assigned = _assign_lines(lines, infos, names)
        matrix = np.zeros((3, n))
        notes = []
        for index, letter in enumerate(assigned):
            channels = [_CHANNELS[k] for k in range(3) if lines[k] == letter]
            for channel in channels:
                matrix[_CHANNELS.index(channel)][index] = 1.0
            how = infos[index].source if infos[index].line else "by wavelength order"
            notes.append(f"{names[index]}: {LINES[letter][0]} ({how}) -> {'+'.join(channels)}")
        return matrix, notes
    if isinstance(mapping, dict):
        colours = [None] * n
        for key, colour in mapping.items():
            found = _match_key(key, infos, names)
            if not found:
                raise ValueError(f"mapping key {key!r} matches no filter (their FILTER "
                                 f"keywords: {', '.join(info.name or '-' for info in infos)})")
            for index in found:
                if colours[index] is not None:
                    raise ValueError(f"{names[index]} is given two colours in the mapping")
                colours[index] = parse_colour(colour)
        missing = [names[index] for index in range(n) if colours[index] is None]
        if missing:
            raise ValueError(f"the mapping gives no colour to {', '.join(missing)}")
    else:
        if isinstance(mapping, np.ndarray) and mapping.dtype.kind in "fiu":
            rows = list(mapping) if mapping.ndim == 2 else [mapping]
        else:
            try:
                rows = list(mapping)
            except TypeError:
                raise TypeError(f"mapping must be a name, a dict or one colour per filter, "
                                f"not {type(mapping).__name__}") from None
        if len(rows) != n:
            raise ValueError(f"the mapping gives {len(rows)} colour(s) for {n} filter(s); "
                             "an (n, 3) matrix has one row per filter")
        colours = [parse_colour(row) for row in rows]
    matrix = np.array(colours, dtype=float).T
    if not matrix.any():
        raise ValueError("the mapping gives every filter black")
    notes = [f"{names[index]} -> ({', '.join(f'{value:g}' for value in colour)})"
             for index, colour in enumerate(colours)]
    return matrix, notes
