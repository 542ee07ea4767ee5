"""Files written whole or not at all: output checks, temporaries and atomic renames.

Every writer refuses to replace an existing file unless ``overwrite=True`` and
writes to a temporary file in the destination folder that is renamed into
place at the end, so that a file is written whole or not at all.
"""

import contextlib
import os
import uuid

__all__ = ["FITS_EXTENSIONS", "check_fits_name", "check_output_path", "is_fits_name",
           "remove_stale_temporaries", "atomic_output"]

#: file name endings of FITS files
FITS_EXTENSIONS = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")

# TIFF tag that holds an XMP packet (Adobe XMP specification, part 3)
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
def atomic_output(path, overwrite):
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
