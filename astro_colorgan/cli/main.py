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
import copy
import re
import sys

from ..version import version

__all__ = ["main", "build_parser", "cli_message"]

PROG = "astro-colorize"

# name of the module (inside this package) of each subcommand, in help order
_SUBCOMMANDS = ("_stack", "_colorize", "_batch", "_train", "_evaluate", "_simulate",
                "_samples")

#: keyword arguments named in library messages, and the options that set them: a
#: switch (``overwrite=True``) or an option with a value (``hdu=``, ``plane=2``)
_SWITCHES = (("overwrite=True", "--overwrite"), ("allow_no_wcs=True", "--no-wcs"))
_VALUED = (("hdu", "--hdu"), ("plane", "--plane"), ("reference", "--reference"),
           ("simulated", "--simulated"), ("preset", "--preset"), ("device", "--device"))


def cli_message(message):
    """A library message, with the keyword arguments it names as the command's options.

    The library speaks of its own keywords (``overwrite=True``, ``hdu=``); on
    the command line the same advice names the option (``--overwrite``,
    ``--hdu``). An option already named beside the keyword
    (``overwrite=True (--overwrite)``, ``hdu= / --hdu``) is not repeated.

    Parameters
    ----------
    message : str

    Returns
    -------
    str

    Examples
    --------
    >>> cli_message("File a.fits already exists; use overwrite=True to replace it")
    'File a.fits already exists; use --overwrite to replace it'
    >>> cli_message("a.fits holds several image HDUs; choose one with hdu=")
    'a.fits holds several image HDUs; choose one with --hdu'
    >>> cli_message("plane=5 is out of range for a.fits (3 planes)")
    '--plane 5 is out of range for a.fits (3 planes)'
    """
    def beside(flag):  # the option named beside the keyword already
        return rf"(?:\s*\({re.escape(flag)}\)|\s*/\s*{re.escape(flag)}(?![\w-]))?"

    for keyword, flag in _SWITCHES:
        message = re.sub(rf"(?<![\w-]){re.escape(keyword)}(?![\w'\"]){beside(flag)}", flag,
                         message)
    for keyword, flag in _VALUED:
        message = re.sub(rf"(?<![\w.-]){keyword}=(?![\w'\"(\[]){beside(flag)}", flag, message)
        # a value given: 'plane=5 is out of range' says '--plane 5', as the user typed it
        message = re.sub(rf"(?<![\w.-]){keyword}=('[^']*'|[\w.+-]+)",
                         lambda m, flag=flag: f"{flag} {m.group(1).strip(chr(39))}", message)
    return message


class _ParseError(Exception):
    """An option error, raised instead of exiting while another reading is tried."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like the errors of the commands."""

    _raise_errors = False

    def error(self, message):
        if self._raise_errors:
            raise _ParseError(message)
        self.exit(2, f"{PROG}: error: {' '.join(message.split())} "
                     f"(see '{self.prog} --help')\n")


class _CommandParser(_Parser):
    """The parser of a subcommand: options and positional arguments in any order.

    Positional arguments may come before, between or after the options
    (`argparse.ArgumentParser.parse_known_intermixed_args`). An option that
    takes several values (``--colour g r i``) takes every value that follows
    it; when that leaves a required positional argument without a value, the
    last of them is the positional one
    (``colorize --colour g.fits r.fits i.fits deep.fits`` reads ``deep.fits``
    as the input).
    """

    _inside = False

    def parse_known_args(self, args=None, namespace=None):
        if self._inside:  # the intermixed reading calls back here
            return super().parse_known_args(args, namespace)
        args = list(sys.argv[1:] if args is None else args)
        try:
            return self._parse_free(args, namespace)
        except _ParseError as exc:
            moved = self._unswallowed(args)
            if moved is not None:
                try:
                    return self._parse_free(moved, namespace)
                except _ParseError:
                    pass
            self.error(exc.message)

    def _parse_free(self, args, namespace):
        namespace = copy.copy(namespace)
        self._raise_errors = self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._raise_errors = self._inside = False

    def _unswallowed(self, args):
        """``args`` with the last value of the last many-valued option moved to the end,
        or None when no such option took two values or more."""
        greedy = {option for action in self._get_optional_actions()
                  if action.nargs in ("+", "*") for option in action.option_strings}
        if "--" in args:
            return None
        for index in range(len(args) - 1, -1, -1):
            if args[index] in greedy:
                stop = index + 1
                while stop < len(args) and not args[stop].startswith("-"):
                    stop += 1
                if stop - index - 1 < 2:
                    return None
                return args[:stop - 1] + args[stop:] + [args[stop - 1]]
        return None


def _subcommand_modules():
    import importlib

    return [importlib.import_module(f"{__package__}.{name}") for name in _SUBCOMMANDS]


def _with_cli_messages(func):
    """``func`` whose errors name the command's options instead of keyword arguments,
    and whose long loops show progress on a terminal unless ``-q``."""
    import functools

    @functools.wraps(func)
    def run(options):
        from .._progress import show_progress

        try:
            with show_progress(not getattr(options, "quiet", False)):
                return func(options)
        except (ValueError, OSError) as exc:
            message = str(exc)
            translated = cli_message(message)
            if translated == message:
                raise
            raise _TranslatedError(translated) from exc

    return run


class _TranslatedError(ValueError):
    """A user's error whose message was rewritten for the command line."""


def build_parser():
    """Return the `argparse.ArgumentParser` of ``astro-colorize``.

    Returns
    -------
    parser : `argparse.ArgumentParser`
        The parser with one sub-parser per subcommand; each takes its options
        and positional arguments in any order, and ``-v``/``-q`` before or
        after the subcommand.
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
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="log warnings and errors only, without progress bars")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_CommandParser)
    subparsers.required = True
    for module in _subcommand_modules():
        module.add_parser(subparsers)
    for subparser in subparsers.choices.values():
        # -v and -q after the subcommand too, not overriding those given before it
        group = subparser.add_argument_group("logging")
        group.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="log progress at DEBUG level")
        group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                           help="log warnings and errors only, without progress bars")
        subparser.set_defaults(func=_with_cli_messages(subparser.get_default("func")))
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
