"""Sphinx directives that render facts of the package at build time, so the docs cannot drift.

``.. preset-table::``
    The training presets (`astro_colorgan.training.PRESETS`), one column each.
``.. shipped-model:: facts | recipe | validation``
    What is stored inside the shipped model file: training facts, the recipe,
    or the decoding choices scored on the validation split.
"""

import os

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util import logging

logger = logging.getLogger(__name__)

_PRESET_FIELDS = {
    "head": "generator head",
    "loss": "loss",
    "width": "generator width (channels)",
    "epochs": "epochs",
    "batch_size": "batch size",
    "crop": "training crop (px)",
    "max_side": "images shrunk to (px, longest side)",
    "scale_jitter": "scale jitter",
    "gamma_jitter": "display-stretch jitter (gamma)",
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
}


def _fmt(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _used(recipe, field):
    """Whether a preset field plays a part in that recipe (else the table shows a dash)."""
    get = recipe.get if isinstance(recipe, dict) else lambda key: getattr(recipe, key)
    gan, classify = get("loss") == "gan", get("head") == "classify"
    if field in ("lr_d", "lambda_adv", "lambda_l1"):
        return gan
    if field in ("lambda_ce", "rebalance_mix", "temperature"):
        return classify
    return True


def _cell(recipe, field):
    value = recipe[field] if isinstance(recipe, dict) else getattr(recipe, field)
    return _fmt(value) if _used(recipe, field) else "—"


def _list_table(header, rows, widths=None):
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header] + rows:
        lines.append("   * - " + (row[0] or " "))
        lines += ["     - " + (cell or " ") for cell in row[1:]]
    return lines


class _RstDirective(Directive):
    def emit(self, lines):
        node = nodes.container()
        source = self.state.document.current_source
        self.state.nested_parse(StringList(lines, source=source), self.content_offset, node)
        return node.children


class PresetTable(_RstDirective):
    """The fields of every training preset."""

    def run(self):
        from astro_colorgan.training import PRESETS

        names = list(PRESETS)
        rows = [[label] + [_cell(PRESETS[n], field) for n in names]
                for field, label in _PRESET_FIELDS.items()]
        lines = _list_table(["field"] + [f"``{n}``" for n in names], rows)
        return self.emit(lines + ["", "A dash marks a field that plays no part in that recipe."])


def _model_info():
    from astro_colorgan.colorize._colorizer import DEFAULT_MODEL
    from astro_colorgan.nets import file_sha256, load_model

    _, info = load_model(DEFAULT_MODEL, device="cpu")
    return DEFAULT_MODEL, info, file_sha256(DEFAULT_MODEL)


class ShippedModel(_RstDirective):
    """Facts stored in the shipped model file."""

    required_arguments = 1
    option_spec = {"caption": directives.unchanged}

    def run(self):
        part = self.arguments[0]
        try:
            path, info, sha = _model_info()
        except Exception as exc:  # a missing model must not pass silently
            logger.warning(f"shipped-model: cannot read the shipped model: {exc}",
                           location=self.state_machine.get_source_and_line(self.lineno))
            return []
        recipe = info.get("recipe", {})
        if part == "facts":
            seconds = info.get("seconds")
            rows = [
                ["file", f"``astro_colorgan/data/{os.path.basename(path)}`` "
                         f"({os.path.getsize(path) / 2**20:.1f} MiB, safetensors)"],
                ["SHA-256", f"``{sha}``"],
                ["package version that trained it", _fmt(info.get("package_version", "?"))],
                ["recipe", f"``--preset {recipe.get('name', '?')}``, seed {info.get('seed', '?')}"],
                ["training images", f"{info.get('n_images', '?')} coloured images (the "
                                    f"``{info.get('split', '?')}`` split of the folder "
                                    f"``{info.get('data', '?')}``)"],
                ["optimisation steps", f"{info.get('steps', '?')} "
                                       f"({_fmt(round(info.get('epochs_done', 0), 2))} epochs)"],
                ["training time", f"{seconds / 60:.1f} min on ``{info.get('device', '?')}`` "
                                  f"(torch {info.get('torch', '?')})" if seconds else "?"],
                ["decoding temperature", _fmt(info.get("temperature", "?"))],
                ["saturation factor", _fmt(info.get("saturation", "?"))],
            ]
            return self.emit(_list_table(["", "shipped model"], rows, widths=[30, 70]))
        if part == "recipe":
            rows = [[label, _cell(recipe, field)] for field, label in _PRESET_FIELDS.items()
                    if field in recipe]
            return self.emit(_list_table(["field", "value"], rows, widths=[50, 50]))
        if part == "validation":
            table = info.get("validation") or {}
            if not table:
                return self.emit(["The shipped model stores no validation scores."])
            chosen = (info.get("temperature"), info.get("saturation"))
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
            return self.emit(_list_table(header, rows))
        raise self.error(f"unknown part {part!r}: use facts, recipe or validation")


def setup(app):
    app.add_directive("preset-table", PresetTable)
    app.add_directive("shipped-model", ShippedModel)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
