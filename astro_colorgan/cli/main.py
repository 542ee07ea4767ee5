"""Entry point of the ``astro-colorize`` console script.

Each subcommand lives in a module of its own (``_stack.py``, ``_colorize.py``, ...)
that defines ``add_parser(subparsers)`` and ``run(args)``; this module only
collects them, parses the command line and turns the library's exceptions into
one-line errors with exit status 2.
"""

import argparse
import sys
import warnings

from astropy import log

from ..version import version

__all__ = ["main", "build_parser", "CommandError"]

PROG = "astro-colorize"

# name of the module (inside this package) of each subcommand, in help order
_SUBCOMMANDS = ("_stack", "_colorize", "_batch", "_train", "_evaluate", "_simulate")


class CommandError(Exception):
    """An error meant for the user of the command line (printed on one line)."""


def _subcommand_modules():
    import importlib

    return [importlib.import_module(f"{__package__}.{name}") for name in _SUBCOMMANDS]


def build_parser():
    """Return the `argparse.ArgumentParser` of ``astro-colorize``.

    Returns
    -------
    parser : `argparse.ArgumentParser`
        The parser with one sub-parser per subcommand.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Colour images from astronomical data: multi-filter composites "
        "and a GAN colorizer for single-band images.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress at DEBUG level"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    return parser


def _one_line(exc):
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())


def main(args=None):
    """Run ``astro-colorize`` with the given arguments.

    Parameters
    ----------
    args : list of str, optional
        The command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success. Errors in the input exit with status 2 after one line
        ``astro-colorize: error: ...`` on standard error.
    """
    parser = build_parser()
    options = parser.parse_args(args)
    if options.verbose:
        log.setLevel("DEBUG")
    elif options.quiet:
        log.setLevel("WARNING")
    else:
        log.setLevel("INFO")
    try:
        with warnings.catch_warnings():
            # warnings are shown to the user, never turned into tracebacks
            warnings.simplefilter("default")
            status = options.func(options)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, TypeError, OSError, KeyError, RuntimeError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 0 if status is None else status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
