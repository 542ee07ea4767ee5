"""``python -m astro_colorgan.training``: ``astro-colorize train``, the form ``torchrun`` starts.

Training on several processes (one per GPU, or several on the CPU)::

    torchrun --nproc_per_node 2 -m astro_colorgan.training DATA_DIR -o MODEL [options]

The arguments are those of ``astro-colorize train``; when ``torchrun``'s
variables are set, ``--distributed`` is implied.
"""

import sys

from ._distributed import launched_by_torchrun

__all__ = ["main"]


def main(args=None):
    """Run ``astro-colorize train`` with ``args`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    args : list of str, optional
        The arguments of ``astro-colorize train``.

    Returns
    -------
    status : int
        The exit status of ``astro-colorize``.
    """
    from ..cli.main import main as cli_main

    args = list(sys.argv[1:] if args is None else args)
    if launched_by_torchrun() and "--distributed" not in args:
        args.insert(0, "--distributed")
    return cli_main(["train", *args])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
