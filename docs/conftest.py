"""pytest configuration of the documentation's doctests (``python -m pytest docs``).

The Sphinx configuration and extensions need the ``docs`` extra, which the
test run does not install; build products are not sources.
"""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_ext/*", "_build/*", "api/*", "_generated/*"]
