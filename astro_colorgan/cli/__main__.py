"""``python -m astro_colorgan.cli``: the ``astro-colorize`` command."""

import sys

from .main import main

__all__ = []

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
