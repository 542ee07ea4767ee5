"""Checks of the environment that need only the standard library (the CLI runs them first)."""

import os

__all__ = ["LAST_EPOCH", "source_date_epoch"]

#: the latest time stamp SOURCE_DATE_EPOCH may give (9999-12-31T23:59:59 UTC)
LAST_EPOCH = 253402300799


def source_date_epoch():
    """The ``SOURCE_DATE_EPOCH`` time stamp (seconds since 1970), or `None` where unset.

    The reproducible-builds convention: a whole number of seconds since
    1970-01-01 UTC; set but empty counts as unset.

    Returns
    -------
    seconds : int or None

    Raises
    ------
    ValueError
        If it is set to anything else (``'abc'``, ``'1.5'``, ``'-5'``, or a time
        after the year 9999).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    if not (epoch.isascii() and epoch.isdigit()) or int(epoch) > LAST_EPOCH:
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 "
                         f"(0 to {LAST_EPOCH}), not {epoch!r}")
    return int(epoch)
