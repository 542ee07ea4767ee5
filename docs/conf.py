"""Sphinx configuration of the astro_colorgan documentation.

Built on the Astropy configuration (``sphinx_astropy.conf.v2``). The build
works offline: the intersphinx inventories (astropy, numpy, reproject,
photutils, torch, ...) are only fetched when the environment variable
``ASTRO_COLORGAN_INTERSPHINX=1`` is set, so that ``sphinx-build -W`` does not
fail for want of a network. Figures are drawn at build time by the matplotlib
``plot`` directive from the sample data shipped with the package (and, for the
model card, from the stellarium-data photographs when that Debian package is
installed). The ``setup`` function at the end adds two directives that render
facts of the package (presets, the shipped model's metadata) at build time.
"""

import datetime
import os

from sphinx_astropy.conf.v2 import *  # noqa: F401,F403
from sphinx_astropy.conf.v2 import extensions, intersphinx_mapping

from astro_colorgan import __version__


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
]
if "matplotlib.sphinxext.plot_directive" not in extensions:
    extensions.append("matplotlib.sphinxext.plot_directive")

exclude_patterns = ["_build", "_generated"]

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


# -- Directives that render facts of the package, so the docs cannot drift ---
#
# ``.. preset-table::``
#     the training presets (`astro_colorgan.training.PRESETS`), one column each;
# ``.. shipped-model:: facts | recipe | validation | validation-fields``
#     what is stored inside the shipped model file: training facts, the recipe,
#     or the decoding choices scored on the validation split of the photographs
#     or of the simulated fields (the ``'fields'`` palette).

_PRESET_FIELDS = {
    "head": "generator head",
    "hints": "measured colour as hint planes (guided)",
    "init": "starts from the weights of",
    "loss": "loss",
    "width": "generator width (channels)",
    "epochs": "epochs",
    "batch_size": "batch size",
    "crop": "training crop (px)",
    "max_side": "images shrunk to (px, longest side)",
    "scale_jitter": "scale jitter",
    "gamma_jitter": "display-stretch jitter (gamma)",
    "users_path": "crops through the default display scaling (fraction)",
    "clean_frames": "colour frames that are clean block means (fraction)",
    "frame_noise": "largest noise of the other colour frames",
    "simulated": "simulated fields among the training images (fraction)",
    "augment": "8 rotations/flips",
    "lr": "learning rate (generator)",
    "lr_d": "learning rate (discriminator)",
    "betas": "Adam betas",
    "lambda_ce": "λ cross-entropy",
    "lambda_l1": "λ L1",
    "lambda_adv": "λ adversarial",
    "rebalance_mix": "rebalancing mix λ",
    "drop_grey": "grey images left out",
    "validation": "validation split held out",
    "temperature": "decoding temperature (before validation)",
    "bfloat16": "bfloat16 autocast on the CPU",
}


def _fmt(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cell(recipe, field):
    """A preset field for a table, or a dash where it plays no part in that recipe."""
    get = recipe.get if isinstance(recipe, dict) else lambda key: getattr(recipe, key)
    gan, classify = get("loss") == "gan", get("head") == "classify"
    used = {"lr_d": gan, "lambda_adv": gan, "lambda_l1": gan, "lambda_ce": classify,
            "rebalance_mix": classify, "temperature": classify,
            "init": get("init") is not None, "clean_frames": get("hints"),
            "frame_noise": get("hints")}.get(field, True)
    return _fmt(get(field)) if used else "—"


def _list_table(header, rows, widths=None):
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header] + rows:
        lines.append("   * - " + (row[0] or " "))
        lines += ["     - " + (cell or " ") for cell in row[1:]]
    return lines


def _preset_table():
    from astro_colorgan.training import PRESETS

    names = list(PRESETS)
    rows = [[label] + [_cell(PRESETS[n], field) for n in names]
            for field, label in _PRESET_FIELDS.items()]
    return _list_table(["field"] + [f"``{n}``" for n in names], rows) + [
        "", "A dash marks a field that plays no part in that recipe."]


def _shipped_model(part):
    from astro_colorgan import Colorizer
    from astro_colorgan.colorize import DEFAULT_MODEL

    colorizer = Colorizer(DEFAULT_MODEL, device="cpu")
    info = colorizer.info
    decodings = {name: d for name, d in colorizer.decodings.items() if d is not None}
    recipe = info.get("recipe", {})
    if part == "facts":
        seconds = info.get("seconds")
        rows = [
            ["file", f"``astro_colorgan/data/{os.path.basename(DEFAULT_MODEL)}`` "
                     f"({os.path.getsize(DEFAULT_MODEL) / 2**20:.1f} MiB, safetensors)"],
            ["SHA-256", f"``{colorizer.sha256}``"],
            ["package version that trained it", _fmt(info.get("package_version", "?"))],
            ["recipe", f"``--preset {recipe.get('name', '?')}``, seed {info.get('seed', '?')}"],
            ["training images", f"{info.get('n_images', '?')} coloured images (the "
                                f"``{info.get('split', '?')}`` split of the folder "
                                f"``{info.get('data', '?')}``"
                                + (f" and of the simulated fields of ``{info['simulated']}``"
                                   if info.get("simulated") else "") + ")"],
            ["optimisation steps", f"{info.get('steps', '?')} "
                                   f"({_fmt(round(info.get('epochs_done', 0), 2))} epochs)"],
            ["training time", f"{seconds / 60:.1f} min on ``{info.get('device', '?')}`` "
                              f"(torch {info.get('torch', '?')})" if seconds else "?"],
            ["decoding temperature", _fmt(info.get("temperature", "?"))],
            ["saturation factor", _fmt(info.get("saturation", "?"))],
        ] + [[f"``subject='{name}'``", f"temperature {_fmt(d['temperature'])}, saturation "
                                       f"{_fmt(d['saturation'])}"]
             for name, d in decodings.items()]
        return _list_table(["", "shipped model"], rows, widths=[30, 70])
    if part == "recipe":
        rows = [[label, _cell(recipe, field)] for field, label in _PRESET_FIELDS.items()
                if field in recipe]
        return _list_table(["field", "value"], rows, widths=[50, 50])
    if part in ("validation", "validation-fields"):
        fields = part == "validation-fields"
        table = info.get("validation_fields" if fields else "validation") or {}
        if not table:
            return ["The shipped model stores no validation scores."]
        chosen = (info.get("temperature"), info.get("saturation"))
        if fields:
            chosen = tuple(decodings["field"][k] for k in ("temperature", "saturation"))
        cells = {}
        for key, scores in table.items():
            t, s = (float(item.split("=")[1]) for item in key.split(", "))
            text = f"{scores['de00_coloured']:.2f} / {scores['colourfulness_ratio']:.2f}"
            cells[t, s] = f"**{text}** (chosen)" if (t, s) == chosen else text
        temperatures = sorted({t for t, _ in cells})
        saturations = sorted({s for _, s in cells})
        rows = [[f"T = {t:g}"] + [cells.get((t, s), "") for s in saturations]
                for t in temperatures]
        header = ["ΔE00 coloured / colourfulness"] + [f"s = {s:g}" for s in saturations]
        return _list_table(header, rows)
    raise ValueError(f"unknown part {part!r}: use facts, recipe, validation or "
                     "validation-fields")


def setup(app):
    # docutils and Sphinx are imported here, by Sphinx builds only (pytest-doctestplus
    # never imports conf.py, but keep it importable anyway)
    from docutils import nodes
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList
    from sphinx.util import logging

    logger = logging.getLogger("astro_colorgan.docs")

    class _RstDirective(Directive):
        def emit(self, lines):
            node = nodes.container()
            source = self.state.document.current_source
            self.state.nested_parse(StringList(lines, source=source), self.content_offset, node)
            return node.children

    class PresetTable(_RstDirective):
        def run(self):
            return self.emit(_preset_table())

    class ShippedModel(_RstDirective):
        required_arguments = 1

        def run(self):
            part = self.arguments[0]
            if part not in ("facts", "recipe", "validation", "validation-fields"):
                raise self.error(f"unknown part {part!r}: use facts, recipe, validation or "
                                 "validation-fields")
            try:
                lines = _shipped_model(part)
            except Exception as exc:  # a missing model must not pass silently
                logger.warning(f"shipped-model: cannot read the shipped model: {exc}",
                               location=self.state_machine.get_source_and_line(self.lineno))
                return []
            return self.emit(lines)

    app.add_directive("preset-table", PresetTable)
    app.add_directive("shipped-model", ShippedModel)
