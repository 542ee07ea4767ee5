"""``astro-colorize train``: train a colorizer on a folder of colour images.

The command's options and its run live in ``astro_colorgan.training._command``,
which ``python -m astro_colorgan.training`` (the form ``torchrun`` starts) shares.
"""

from ..training._command import DESCRIPTION, add_train_arguments, run_train

__all__ = ["add_parser", "run"]

#: Run ``astro-colorize train`` with parsed arguments.
run = run_train


def add_parser(subparsers):
    """Add the ``train`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser("train", help="train a colorizer on a folder of colour images",
                                   description=DESCRIPTION)
    return add_train_arguments(parser)
