"""Sphinx configuration of the astro_colorgan documentation.

Built on the Astropy configuration (``sphinx_astropy.conf.v2``). The build
works offline: the intersphinx inventories (astropy, numpy, reproject,
photutils, torch, ...) are only fetched when the environment variable
``ASTRO_COLORGAN_INTERSPHINX=1`` is set, so that ``sphinx-build -W`` does not
fail for want of a network. Figures are drawn at build time by the matplotlib
``plot`` directive from the sample data shipped with the package (and, for the
model card, from the stellarium-data photographs when that Debian package is
installed).
"""

import datetime
import os
import sys

from sphinx_astropy.conf.v2 import *  # noqa: F401,F403
from sphinx_astropy.conf.v2 import extensions, intersphinx_mapping

from astro_colorgan import __version__

DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(DOCS, "_ext"))

# -- Project ------------------------------------------------------------------

project = "astro_colorgan"
author = "astro_colorgan developers"
copyright = f"{datetime.date.today().year}, {author}"
version = release = __version__

# -- Extensions ---------------------------------------------------------------

extensions = [ext for ext in extensions
              # no graphviz on the build machines: no inheritance diagrams
              if ext not in ("sphinx.ext.inheritance_diagram",)]
extensions += [
    "sphinxarg.ext",  # the command-line page, rendered from the argparse parser
    "colorgan_docs",  # docs/_ext: the shipped model's metadata as a table
]
if "matplotlib.sphinxext.plot_directive" not in extensions:
    extensions.append("matplotlib.sphinxext.plot_directive")

exclude_patterns = ["_build", "_generated", "_ext"]

# -- Intersphinx (opt-in, so that the build never needs the network) ---------

_INTERSPHINX = {
    "python": ("https://docs.python.org/3/", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
    "astropy": ("https://docs.astropy.org/en/stable/", None),
    "reproject": ("https://reproject.readthedocs.io/en/stable/", None),
    "photutils": ("https://photutils.readthedocs.io/en/stable/", None),
    "torch": ("https://docs.pytorch.org/docs/stable/", None),
    "PIL": ("https://pillow.readthedocs.io/en/stable/", None),
}
if os.environ.get("ASTRO_COLORGAN_INTERSPHINX", "") not in ("", "0"):
    intersphinx_mapping = dict(intersphinx_mapping, **_INTERSPHINX)
    intersphinx_timeout = 10
else:
    intersphinx_mapping = {}

# -- Autodoc, automodapi, numpydoc --------------------------------------------

numpydoc_show_class_members = False
automodapi_toctreedirnm = "api"
automodsumm_inherited_members = False
autoclass_content = "class"  # the __init__ parameters are in the class docstrings
# dataclass fields have no class-level value worth showing (autodoc would print
# "<dataclasses._MISSING_TYPE object>")
autodoc_default_options = {"no-value": True}
default_role = "obj"

# -- Plot directive -----------------------------------------------------------

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_rcparams = {"figure.dpi": 96, "savefig.bbox": "tight", "font.size": 9,
                 "image.origin": "lower", "image.interpolation": "nearest"}
plot_apply_rcparams = True
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"

# -- HTML ---------------------------------------------------------------------

html_title = f"astro_colorgan {release}"
html_theme_options = {
    "collapse_navigation": True,
    "navigation_depth": 2,
    "show_nav_level": 2,
    "use_edit_page_button": False,
    "icon_links": [],
}
html_last_updated_fmt = None  # reproducible pages
