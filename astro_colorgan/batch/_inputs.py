"""What a batch works on: input files (or groups of filter images) and their outputs."""

import glob
import os
import re
from dataclasses import dataclass

from ..io._fits import split_path
from ..io._files import fits_stem, is_fits_name

__all__ = ["BatchJob", "expand_inputs", "filter_wavelength", "LIST_SUFFIXES", "MODES"]

#: Files with these extensions are lists of inputs, one job per line.
LIST_SUFFIXES = (".txt", ".lst", ".list")

#: What a batch does with each input.
MODES = ("colorize", "stack-then-colorize")


@dataclass(frozen=True)
class BatchJob:
    """One unit of work: its name (that of the output file) and its input files."""

    name: str
    sources: tuple


def expand_inputs(specs, *, mode="colorize"):
    """Turn glob patterns and list files into jobs.

    Parameters
    ----------
    specs : str or list of str
        Each item is a glob pattern (quoted on the command line; a plain path
        matches itself) or a text file (``.txt``, ``.lst``, ``.list``) that
        lists inputs, one job per line (blank lines and ``#`` comments
        skipped). In ``'colorize'`` mode a job is one FITS image. In
        ``'stack-then-colorize'`` mode a job is the images of one field in
        several filters, blue to red: a line of a list file holds their paths
        separated by spaces, in that order, and a pattern that matches a
        folder takes the FITS files in it, ordered by ``filter_wavelength``
        where every file's header tells it, else by name.
    mode : {'colorize', 'stack-then-colorize'}
        What the batch does.

    Returns
    -------
    jobs : list of ``BatchJob``
        In order, each input once (repeated inputs are dropped). Names are the
        file (or folder) names without extension.

    Raises
    ------
    ValueError
        If a pattern matches nothing, no job remains, or two jobs would
        write the same output.
    FileNotFoundError
        If a list file is missing.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if isinstance(specs, (str, os.PathLike)):
        specs = [specs]
    groups, names_hint = [], {}
    for spec in specs:
        spec = os.fspath(spec)
        if spec.lower().endswith(LIST_SUFFIXES):
            groups.extend(_read_list(spec, mode))
            continue
        matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
        if not matches:
            raise ValueError(f"no file matches {spec!r}")
        for match in matches:
            if os.path.isdir(match):
                if mode == "colorize":
                    raise ValueError(f"{match} is a folder; use a pattern such as "
                                     f"'{os.path.join(match, '*.fits')}'")
                groups.append(_folder_group(match))
                names_hint[groups[-1]] = os.path.basename(os.path.normpath(match))
            else:
                groups.append((match,))
    jobs, seen, names = [], set(), {}
    for sources in groups:
        key = tuple(os.path.abspath(path) for path in sources)
        if key in seen:
            continue
        seen.add(key)
        name = names_hint.get(sources) or _job_name(sources)
        if name in names:
            raise ValueError(f"{names[name]} and {sources[0]} would both write {name}.fits; "
                             "rename one or run them in separate batches")
        names[name] = sources[0]
        jobs.append(BatchJob(name=name, sources=tuple(sources)))
    if not jobs:
        raise ValueError("no input to process")
    return jobs


def _read_list(path, mode):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such list file: {path}")
    folder = os.path.dirname(os.path.abspath(path))
    groups = []
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            paths = [item if os.path.isabs(item) else os.path.join(folder, item)
                     for item in _list_items(line, folder, mode, f"{path}, line {number}")]
            if mode == "colorize" and len(paths) > 1:
                raise ValueError(f"{path}, line {number}: one image per line in colorize mode "
                                 f"({len(paths)} given)")
            groups.append(tuple(paths))
    return groups


def _list_items(line, folder, mode, where):
    """The paths of a line of a list file: the whole line where it names a file (spaces
    and all), else its items separated by spaces, 'quoted' where a name holds a space."""
    import shlex

    whole = line if os.path.isabs(line) else os.path.join(folder, line)
    if mode == "colorize" and os.path.exists(split_path(whole)[0]):
        return [line]
    try:
        return shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise ValueError(f"{where}: {exc}") from None


def _folder_group(folder):
    """The FITS files of a folder, blue to red where their headers tell, else by name."""
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder)
                   if is_fits_name(name))
    if not files:
        raise ValueError(f"folder {folder} holds no FITS file")
    wavelengths = [filter_wavelength(path) for path in files]
    if all(w is not None for w in wavelengths):
        files = [path for _, path in sorted(zip(wavelengths, files))]
    return tuple(files)


#: Central wavelengths (nm) of common broad-band filters, by their usual names.
_FILTER_NM = {"u": 355, "g": 475, "r": 620, "i": 750, "z": 890, "y": 1000,
              "U": 365, "B": 445, "V": 551, "R": 658, "I": 806,
              "J": 1235, "H": 1662, "K": 2159, "Ks": 2159}

_WAVELENGTH_KEYS = (("PHOTPLAM", 0.1), ("WAVELEN", None), ("EFFWAVE", None))


def filter_wavelength(path):
    """The central wavelength (nm) of a FITS image's filter, or None if unknown.

    From a ``PHOTPLAM`` keyword (HST, Angstrom), a ``WAVELEN`` or ``EFFWAVE``
    keyword (nm), or a ``FILTER`` keyword naming a common broad-band filter
    (``g``, ``r``, ``V``, ``Ks``, ... or an HST-style ``F606W``).

    Examples
    --------
    >>> from astro_colorgan.data import get_sample_path
    >>> [filter_wavelength(get_sample_path(f"sample_{b}")) for b in "gri"]
    [475.0, 620.0, 750.0]
    """
    from astropy.io import fits

    try:
        header = fits.getheader(path.split("[")[0])
    except (OSError, ValueError):
        return None
    for key, scale in _WAVELENGTH_KEYS:
        value = header.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return float(value) * (scale or 1.0)
    name = str(header.get("FILTER", "")).strip()
    match = re.fullmatch(r"F(\d{3,4})[WMNLX]P?", name.upper())
    if match:
        return float(match[1])
    for candidate in (name, name.split("_")[-1], name.split(".")[-1]):
        if candidate in _FILTER_NM:
            return float(_FILTER_NM[candidate])
    return None


def _job_name(sources):
    """The output name: the file's stem, or what the stems of a group share
    (``field7_g``, ``field7_r`` give ``field7``), else the folder's name."""
    stems = [_stem(path) for path in sources]
    if len(stems) == 1:
        return stems[0]
    common = os.path.commonprefix(stems).rstrip("_-. ")
    if common:
        return common
    folder = os.path.dirname(os.path.abspath(sources[0]))
    return os.path.basename(folder) or stems[0]


def _stem(path):
    name = os.path.basename(os.path.normpath(path.split("[")[0]))
    stem = fits_stem(name)
    return stem if stem is not None else os.path.splitext(name)[0]
