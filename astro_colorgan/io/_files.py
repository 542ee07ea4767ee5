"""Files written whole or not at all: output checks, temporaries and atomic renames.

Every writer refuses to replace an existing file unless ``overwrite=True`` and
writes to a temporary file in the destination folder that is renamed into
place at the end, so that a file is written whole or not at all.
"""

import contextlib
import contextvars
import os
import uuid

from ._signals import signals_held

__all__ = ["FITS_EXTENSIONS", "check_fits_name", "check_not_inputs", "check_output_path",
           "check_outputs", "fits_stem", "is_fits_name", "remove_stale_temporaries",
           "atomic_output", "output_group"]

#: The one list of FITS file name endings (each plain or gzip-compressed), longest first;
#: every check of a FITS name in the package uses it.
FITS_EXTENSIONS = tuple(base + gz for gz in (".gz", "") for base in (".fits", ".fit", ".fts"))


def is_fits_name(path):
    """Whether the name of ``path`` ends like a FITS file (``.fits``, ``.fit``, ``.fts``,
    optionally ``.gz``), in any case."""
    return os.fspath(path).lower().endswith(FITS_EXTENSIONS)


def fits_stem(name):
    """``name`` without its FITS ending (``'m31.fits.gz'`` gives ``'m31'``), or `None`.

    Examples
    --------
    >>> fits_stem("m31.FIT.gz"), fits_stem("m31.png")
    ('m31', None)
    """
    name = os.fspath(name)
    for ending in FITS_EXTENSIONS:
        if name.lower().endswith(ending):
            return name[: -len(ending)]
    return None


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
        raise ValueError(f"{os.fspath(path)} is not a FITS file name (.fits, .fit, .fts, or "
                         "these with .gz): the output is a FITS cube; a PNG, JPEG or TIFF "
                         "image is written by write_image")


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
            f"File {path} already exists; use overwrite=True to replace it"
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


def check_outputs(outputs, *, inputs=(), overwrite=False):
    """Check, before any work is done, that each output can be written and is no input.

    The one rule for every command that reads files and writes others: an
    output is never one of the inputs (after resolving symbolic links, and
    not through a hard link either), whatever ``overwrite`` says, and no two
    outputs are the same file.

    Parameters
    ----------
    outputs : iterable of str or `~pathlib.Path`
        The files to be written (`None` items are skipped).
    inputs : iterable, optional
        The inputs: paths (``'file.fits[ext]'`` too), lists of paths; other
        objects (arrays, HDUs) are skipped.
    overwrite : bool, optional
        Whether existing outputs may be replaced (see `check_output_path`).

    Raises
    ------
    ValueError
        If an output is one of the inputs, or two outputs are the same file.
    OSError
        As `check_output_path`.

    Examples
    --------
    >>> check_outputs(["g.fits"], inputs=["g.fits"], overwrite=True)
    Traceback (most recent call last):
    ...
    ValueError: g.fits is an input: an output never replaces an input, whatever overwrite= says; choose another output name
    """
    outputs = [os.fspath(path) for path in outputs if path is not None]
    check_not_inputs(outputs, inputs)
    for path in outputs:
        check_output_path(path, overwrite=overwrite)


def check_not_inputs(outputs, inputs):
    """The one rule that keeps inputs safe: no output is an input, no two outputs are one file.

    Symbolic links are resolved and hard links recognised; see `check_outputs`,
    which adds the checks of each output's folder.

    Parameters
    ----------
    outputs : iterable of str or `~pathlib.Path`
        The files to be written (`None` items are skipped).
    inputs : iterable
        As for `check_outputs`.

    Raises
    ------
    ValueError
        If an output is one of the inputs, or two outputs are the same file.
    """
    sources = list(_input_paths(inputs))
    seen = {}
    for path in (os.fspath(path) for path in outputs if path is not None):
        key = os.path.realpath(path)
        if key in seen:
            raise ValueError(f"the outputs must be different files: {seen[key]} and {path}")
        seen[key] = path
        for source in sources:
            if _same_file(path, source):
                named = "" if os.path.basename(source) == os.path.basename(path) \
                    else f" ({source})"
                raise ValueError(f"{path} is an input{named}: an output never replaces an "
                                 "input, whatever overwrite= says; choose another output name")


def _input_paths(inputs):
    """The file paths among ``inputs`` (nested lists too), without ``[ext]``."""
    from ._fits import split_path

    for item in inputs if isinstance(inputs, (list, tuple)) else [inputs]:
        if isinstance(item, (list, tuple)):
            yield from _input_paths(item)
        elif isinstance(item, (str, os.PathLike)):
            yield split_path(item)[0]


def _same_file(a, b):
    """Whether paths ``a`` and ``b`` name one file (links resolved)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def _reserve_temp(folder, basename):
    """Create an empty, uniquely named hidden file in ``folder`` and return its path."""
    # a short name, whatever the length of basename (NAME_MAX): it keeps the ending, which
    # decides e.g. gzip compression of FITS files, names the destination by a hash and
    # says which process on which machine writes it (see _remove_orphans)
    temp = os.path.join(folder, f"{_TEMP_PREFIX}{_host_tag()}.{os.getpid()}-"
                                f"{uuid.uuid4().hex[:8]}-{_name_tag(basename)}"
                                f"{_ending(basename)}")
    descriptor = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    os.close(descriptor)
    return temp


def _name_tag(basename):
    """Eight hex digits that name the destination ``basename`` in its temporaries' names."""
    import hashlib

    return hashlib.sha1(basename.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _ending(basename):
    """The FITS ending of ``basename`` (``.fits.gz``), else its extension (short ones only)."""
    stem = fits_stem(basename)
    ending = basename[len(stem):] if stem is not None else os.path.splitext(basename)[1]
    return ending if len(ending) <= 16 else ""


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
                         + r"\.(\d+)-[0-9a-f]{8}-" + _name_tag(basename) + r"(\.|$)")
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
                           f"{glob.escape(_TEMP_PREFIX)}*-{_name_tag(basename)}*")
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
            f"File {path} already exists; use overwrite=True to replace it"
        ) from None
    except OSError:  # file systems without hard links
        if os.path.lexists(path):
            raise FileExistsError(
                f"File {path} already exists; use overwrite=True to replace it"
            ) from None
        os.replace(temp, path)
        return
    os.unlink(temp)


# the commits of the writers within an output_group, or None outside one
_PENDING = contextvars.ContextVar("astro_colorgan_pending_outputs", default=None)


def _usual_mode(path):
    """Give a written temporary the mode a new file gets (0666 less the umask): some
    writers (safetensors) create their file private."""
    umask = os.umask(0)
    os.umask(umask)
    if not os.path.islink(path):
        os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_output(path, overwrite):
    """Yield a temporary path to write; it becomes ``path`` only if the block succeeds.

    Within an `output_group` the temporary is kept and becomes ``path`` when
    the group ends. A failure to write says which file and why.
    """
    path = os.fspath(path)
    check_output_path(path, overwrite=overwrite)
    folder = os.path.dirname(os.path.abspath(path))
    _remove_orphans(folder, os.path.basename(path))
    temp = _reserve_temp(folder, os.path.basename(path))
    pending = _PENDING.get()
    try:
        try:
            yield temp
        except OSError as exc:
            raise _write_error(path, exc) from None
        _usual_mode(temp)
        if pending is None:
            _commit(temp, path, overwrite)
        else:
            pending.append((temp, path, overwrite))
            temp = None
    finally:
        if temp is not None and os.path.lexists(temp):
            os.unlink(temp)


def _write_error(path, exc):
    """``exc``, a failure to write ``path``, as an `OSError` that names the file and the cause."""
    import errno

    if exc.errno is not None and exc.strerror:
        cause = exc.strerror
    else:  # numpy's "602112 requested and 23560 written" says neither
        cause = " ".join(str(exc).split()) or type(exc).__name__
        folder = os.path.dirname(os.path.abspath(path))
        with contextlib.suppress(OSError, AttributeError):
            stats = os.statvfs(folder)
            if stats.f_bavail * stats.f_frsize < 2**20:
                cause = f"{os.strerror(errno.ENOSPC)} ({cause})"
    if os.fspath(path) in cause:
        return exc
    try:
        error = type(exc)(f"Cannot write {path}: {cause}")
    except TypeError:  # a subclass with other arguments
        error = OSError(f"Cannot write {path}: {cause}")
    error.errno = exc.errno
    return error


@contextlib.contextmanager
def output_group():
    """Make every file written within the block appear together at its end, or none of them.

    The writers (`~astro_colorgan.io.write_fits`,
    `~astro_colorgan.io.write_rgb_image`, ...) write to temporaries as
    usual; those are renamed into place only when the block ends without an
    exception (SIGINT and SIGTERM held back meanwhile), and removed when it
    fails or is interrupted, so that a rerun finds no partial set of outputs.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from astropy.io import fits
    >>> from astro_colorgan.io import write_fits
    >>> folder = tempfile.mkdtemp()
    >>> with output_group():
    ...     write_fits(fits.PrimaryHDU(np.zeros((2, 2))), os.path.join(folder, "a.fits"))
    ...     "a.fits" in os.listdir(folder)  # not yet
    False
    >>> os.listdir(folder)
    ['a.fits']
    """
    pending = []
    token = _PENDING.set(pending)
    try:
        yield
        _PENDING.reset(token)
        token = None
        with signals_held():
            _commit_all(pending)
    finally:
        if token is not None:
            _PENDING.reset(token)
        for temp, _, _ in pending:
            if os.path.lexists(temp):
                os.unlink(temp)


def _commit_all(pending):
    """Commit each ``(temp, path, overwrite)``; if one fails, remove the new files of the others."""
    for _, path, overwrite in pending:
        if not overwrite and os.path.lexists(path):
            raise FileExistsError(
                f"File {path} already exists; use overwrite=True to replace it")
    created = []
    try:
        for temp, path, overwrite in pending:
            existed = os.path.lexists(path)
            _commit(temp, path, overwrite)
            if not existed:
                created.append(path)
    except BaseException:
        for path in created:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
