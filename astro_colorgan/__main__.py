"""``python -m astro_colorgan``: the ``astro-colorize`` command."""

import sys

from .cli.main import main

__all__ = []

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
