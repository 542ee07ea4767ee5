"""``python -m astro_colorgan.training``: ``astro-colorize train``, the form ``torchrun`` starts.

Training on several processes (one per GPU, or several on the CPU)::

    torchrun --nproc_per_node 2 -m astro_colorgan.training DATA_DIR -o MODEL [options]

The arguments are those of ``astro-colorize train`` (``_command``, which both
share); when ``torchrun``'s variables are set, ``--distributed`` is implied.
"""

import argparse
import sys

from . import _command
from ._distributed import launched_by_torchrun

__all__ = ["PROG", "main"]

PROG = "python -m astro_colorgan.training"


def main(args=None):
    """Run the ``train`` command with ``args`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    args : list of str, optional
        The arguments of ``astro-colorize train``.

    Returns
    -------
    status : int
        0 on success; 2 after a one-line error in the input or the options,
        130 on Ctrl-C and 143 on SIGTERM (as ``astro-colorize``).
    """
    from .._entry import run_main

    args = list(sys.argv[1:] if args is None else args)
    if launched_by_torchrun() and "--distributed" not in args:
        args.insert(0, "--distributed")
    return run_main(PROG, _parser, args)


def _parser():
    return _command.add_train_arguments(
        argparse.ArgumentParser(prog=PROG, description=_command.DESCRIPTION))

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
