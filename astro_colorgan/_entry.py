"""The error policy of the command-line entry points (``astro-colorize`` and
``python -m astro_colorgan.training``), with only the standard library imported
before a command runs.

Errors in the user's input (`ValueError` and `OSError`, raised with a message
written for the user) print one line ``PROG: error: ...`` and exit with status
2; Ctrl-C exits with 130 and SIGTERM with 143; anything else is a bug and shows
its traceback.
"""

import os
import sys
import warnings

__all__ = ["check_environment", "one_line", "run_command", "run_main"]


def one_line(exc):
    """The message of an exception on one line (its class name where it has none)."""
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())


def check_environment():
    """The problem with the environment, before anything reads it, or `None`.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds time stamp) is read by
    libraries as they are imported (numpy's f2py, by scipy), which fail with a
    traceback on a value that is not an integer.

    Returns
    -------
    problem : str or None
    """
    from ._environment import source_date_epoch

    if os.environ.get("SOURCE_DATE_EPOCH") == "":
        # empty means unset (the convention), but numpy's f2py would fail on it
        del os.environ["SOURCE_DATE_EPOCH"]
    try:
        source_date_epoch()
    except ValueError as exc:
        return str(exc)
    return None


def run_command(prog, options):
    """Run ``options.func(options)`` under the error policy of the entry points.

    Parameters
    ----------
    prog : str
        The command's name, which starts its one-line messages.
    options : `argparse.Namespace`
        The parsed arguments, with ``func`` and, optionally, ``verbose`` and
        ``quiet`` (the astropy log level: DEBUG, WARNING, else INFO).

    Returns
    -------
    status : int
        What ``func`` returned (0 for `None`); 2 after a one-line error, 130 on
        Ctrl-C and 143 on SIGTERM.
    """
    from astropy import log

    from .io._signals import Terminated, terminate_as_exception

    if getattr(options, "verbose", False):
        log.setLevel("DEBUG")
    elif getattr(options, "quiet", False):
        log.setLevel("WARNING")
    else:
        log.setLevel("INFO")
    try:
        with warnings.catch_warnings(), terminate_as_exception():
            # warnings are shown to the user, never turned into tracebacks
            warnings.simplefilter("default")
            status = options.func(options)
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # errors in the input, raised with a message for the user; any other
        # exception is a bug, whose traceback is shown
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    return 0 if status is None else status


def run_main(prog, make_parser, args):
    """Check the environment, parse ``args`` and run the command they name.

    Parameters
    ----------
    prog : str
        The command's name, which starts its one-line messages.
    make_parser : callable
        Returns the `argparse.ArgumentParser` (called after the environment check).
    args : list of str or None
        The arguments (`None`: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        As `run_command`; the status of ``--help``, ``--version`` and option
        errors (0 or 2) without running anything.
    """
    problem = check_environment()
    if problem is not None:
        print(f"{prog}: error: {problem}", file=sys.stderr)
        return 2
    try:
        options = make_parser().parse_args(args)
    except SystemExit as exc:  # --help, --version and option errors
        return exc.code if isinstance(exc.code, int) else 2
    return run_command(prog, options)
