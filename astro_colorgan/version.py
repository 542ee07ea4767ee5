"""Package version."""

__all__ = ["version"]

version = "0.1.0"
