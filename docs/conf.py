"""Sphinx configuration of the astro_colorgan documentation (builds offline)."""

import datetime

from astro_colorgan import __version__

project = "astro_colorgan"
author = "astro_colorgan developers"
copyright = f"{datetime.date.today().year}, {author}"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_automodapi.automodapi",
]
numpydoc_show_class_members = False
automodapi_toctreedirnm = "api"
automodsumm_inherited_members = False
default_role = "obj"
exclude_patterns = ["_build"]
html_theme = "alabaster"
