"""The ``astro-colorize`` command line: a thin layer over the public API."""

from .main import main

__all__ = ["main"]
