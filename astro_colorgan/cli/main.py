"""Entry point of the ``astro-colorize`` console script.

Each subcommand lives in a module of its own (``_stack.py``, ``_colorize.py``, ...)
that defines ``add_parser(subparsers)`` and ``run(args)`` and imports nothing
heavy before it runs; this module only collects them, parses the command line
and applies the error policy of the entry points (``astro_colorgan._entry``):
errors in the user's input (`ValueError` and `OSError`, raised with a message
written for the user) print one line ``astro-colorize: error: ...`` and exit
with status 2; anything else is a bug and shows its traceback.
"""

import argparse
import sys

from ..version import version

__all__ = ["main", "build_parser"]

PROG = "astro-colorize"

# name of the module (inside this package) of each subcommand, in help order
_SUBCOMMANDS = ("_stack", "_colorize", "_batch", "_train", "_evaluate", "_simulate")

class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like the errors of the commands."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {' '.join(message.split())} "
                     f"(see '{self.prog} --help')\n")


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
    parser = _Parser(
        prog=PROG,
        description="Colour images from astronomical data: multi-filter composites "
        "and a GAN colorizer that completes measured colour and predicts what is not "
        "measured.",
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


def main(args=None):
    """Run ``astro-colorize`` with the given arguments.

    Parameters
    ----------
    args : list of str, optional
        The command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success. Errors in the input or the options exit with status 2
        after one line ``astro-colorize: error: ...`` on standard error;
        Ctrl-C exits with 130 and SIGTERM with 143, after removing what was
        being written.
    """
    from .._entry import run_main

    return run_main(PROG, build_parser, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
