"""Progress of long loops: a bar on a terminal, nothing elsewhere.

The command line turns progress on (`show_progress`) unless ``-q`` is given;
a loop wrapped in `progress` then shows an `astropy.utils.console.ProgressBar`
on standard error, but only when standard error is a terminal and astropy's
log shows INFO messages, so that pipelines, logs and ``-q`` stay quiet.
Library calls show nothing unless they run inside ``show_progress()``.
"""

import sys
from contextlib import contextmanager

__all__ = ["progress", "progress_bar", "progress_shown", "show_progress"]

_STATE = {"enabled": False}


@contextmanager
def show_progress(enabled=True):
    """Within this context, long loops show a progress bar on a terminal.

    Parameters
    ----------
    enabled : bool
        False keeps every loop quiet within the context.
    """
    before = _STATE["enabled"]
    _STATE["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _STATE["enabled"] = before


def progress_shown(total=2):
    """Whether a loop of ``total`` steps would show a bar now.

    Parameters
    ----------
    total : int
        The loop's steps: a loop of one step shows nothing.

    Returns
    -------
    bool
    """
    if not _STATE["enabled"] or total < 2:
        return False
    from astropy import log

    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) and log.getEffectiveLevel() <= 20  # INFO


@contextmanager
def progress_bar(total):
    """A bar of ``total`` steps on a terminal when progress is shown (see `progress_shown`).

    Parameters
    ----------
    total : int
        The loop's steps.

    Yields
    ------
    step : callable
        Call it once per step done (it does nothing when no bar is shown).
    """
    if not progress_shown(total):
        yield lambda: None
        return
    from astropy.utils.console import ProgressBar

    with ProgressBar(int(total), file=sys.stderr) as bar:
        yield bar.update


def progress(iterable, *, total=None):
    """Yield the items of ``iterable``, with a bar on a terminal when progress is shown.

    Parameters
    ----------
    iterable : iterable
        The loop's items.
    total : int, optional
        Their number (default: ``len(iterable)``).

    Yields
    ------
    The items of ``iterable``.
    """
    with progress_bar(len(iterable) if total is None else total) as step:
        for item in iterable:
            yield item
            step()
