"""The evaluation protocol: scored images, metrics for models and the classical baselines, a report."""

import csv
import os

import numpy as np
from astropy import log
from astropy.io import fits

from ..datasets import find_images, is_coloured, read_color_image
from ..datasets._folder import field_filters, is_field_folder, read_field
from ..io import check_output_path
from ..colorspace import rgb_to_luma
from ._modes import (BAND_METRIC_NAMES, BASELINES, CLASSICAL_CHOICE, FUSION_MODES, HINT_MODES,
                     PATHS, baseline, colour_alone, model_prediction, users_path_data)
from ._metrics import METRIC_NAMES, _standard_error, image_metrics, mean_metrics, standard_errors

__all__ = ["evaluate", "EvaluationResult", "format_table"]

_LABELS = {"psnr": "PSNR dB", "rmse": "RMSE", "ssim": "SSIM", "de00_all": "ΔE00 all",
           "de00_fg": "ΔE00 fg", "de00_coloured": "ΔE00 coloured",
           "colourfulness_ratio": "colourfulness", "sky_chroma": "sky chroma", "sam": "SAM °", "ergas": "ERGAS",
           "chi2": "χ²/pixel"}


class EvaluationResult:
    """Metrics of one evaluation.

    Attributes
    ----------
    names : list of str
        The scored images.
    systems : list of str
        The baseline (``'grey'``, ``'classical LRGB'`` or ``'mean green'``)
        and the name of each model.
    baseline : str
        The name of the classical baseline, the first system.
    per_image : dict
        ``per_image[system]`` is a list of metric dicts, one per image.
    means : dict
        ``means[system]`` is the dict of mean metrics.
    standard_errors : dict
        ``standard_errors[system]`` is the dict of the standard errors of those
        means (see ``standard_errors``).
    """

    def __init__(self, names, per_image, *, baseline="grey"):
        self.baseline = baseline
        self.names = list(names)
        self.per_image = per_image
        self.systems = list(per_image)
        self.means = {system: mean_metrics(rows) for system, rows in per_image.items()}
        self.standard_errors = {system: standard_errors(rows)
                                for system, rows in per_image.items()}

    def paired_difference(self, system, metric="de00_coloured", baseline=None):
        """Mean per-image difference of a metric from a baseline, and its standard error.

        Each image is compared with itself, so how hard each image is cancels
        out and what is left is how much the gain varies between images: this
        is the number that says whether a model beats the baseline on images
        of this kind by more than chance.

        Parameters
        ----------
        system, baseline : str
            Names in ``systems`` (``baseline`` defaults to the classical baseline).
        metric : str
            One of ``METRIC_NAMES``.

        Returns
        -------
        difference, standard_error : float
            Over the images where both values are finite.
        """
        baseline = self.baseline if baseline is None else baseline
        a = np.array([row[metric] for row in self.per_image[system]], dtype=float)
        b = np.array([row[metric] for row in self.per_image[baseline]], dtype=float)
        diff = (a - b)[np.isfinite(a) & np.isfinite(b)]
        mean = float(diff.mean()) if diff.size else float("nan")
        return mean, _standard_error(diff)

    def table(self):
        """The mean metrics as a text table (see ``format_table``); the guided modes add
        SAM, ERGAS and the frames' χ² per pixel."""
        return format_table(self.means, n_images=len(self.names))

    def uncertainty_table(self):
        """How certain the two headline means are, as a text table.

        For each system: ΔE2000 on coloured pixels and the colourfulness
        ratio with the standard errors of their means, the paired
        difference of ΔE2000 (coloured) from the classical baseline with its
        standard error (`paired_difference`), and the fraction of images on
        which it is worse than the baseline (`fraction_worse`).

        Returns
        -------
        str
            A reStructuredText table.
        """
        header = ["system", "ΔE00 coloured", "± s.e.", f"minus {self.baseline} (paired)", "± s.e.",
                  f"worse than {self.baseline}", "colourfulness", "± s.e."]
        rows = []
        for system in self.systems:
            mean, err = self.means[system], self.standard_errors[system]
            diff, diff_err = self.paired_difference(system)
            rows.append([system, f"{mean['de00_coloured']:.2f}", f"{err['de00_coloured']:.2f}",
                         f"{diff:.2f}", f"{diff_err:.2f}", f"{self.fraction_worse(system):.0%}",
                         f"{mean['colourfulness_ratio']:.2f}",
                         f"{err['colourfulness_ratio']:.2f}"])
        return _rst_table(header, rows, f"standard errors of the means over {len(self.names)} "
                          f"scored images; paired: image by image against the {self.baseline} "
                          "baseline; worse: the fraction of images whose ΔE00 (coloured) is "
                          "higher than the baseline's")

    def fraction_worse(self, system, metric="de00_coloured"):
        """The fraction of images on which ``system`` scores a higher ``metric`` than the
        baseline (over the images where both are finite; NaN if there is none)."""
        a = np.array([row[metric] for row in self.per_image[system]], dtype=float)
        b = np.array([row[metric] for row in self.per_image[self.baseline]], dtype=float)
        finite = np.isfinite(a) & np.isfinite(b)
        return float((a[finite] > b[finite]).mean()) if finite.any() else float("nan")


def format_table(means, *, n_images=None):
    """Format mean metrics as a reStructuredText table.

    Parameters
    ----------
    means : dict
        ``means[system][metric]``.
    n_images : int, optional
        Number of scored images, for the caption.

    Returns
    -------
    str
    """
    names = list(METRIC_NAMES)
    names += [m for m in BAND_METRIC_NAMES if all(m in row for row in means.values())]
    header = ["system"] + [_LABELS[m] for m in names]
    rows = [[system] + [f"{means[system][m]:.4f}" if m in ("rmse", "ssim")
                        else f"{means[system][m]:.3g}" if m == "chi2"
                        else f"{means[system][m]:.2f}" for m in names]
            for system in means]
    caption = None if n_images is None else f"mean over {n_images} scored images"
    return _rst_table(header, rows, caption)


def _rst_table(header, rows, caption=None):
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths)), rule]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.append(rule)
    if caption is not None:
        lines.append(caption)
    return "\n".join(lines)


def _write_report(report, result, images, predictions, overwrite):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    os.makedirs(report, exist_ok=True)
    table_path = os.path.join(report, "metrics.rst")
    csv_path = os.path.join(report, "per_image.csv")
    for path in (table_path, csv_path):
        check_output_path(path, overwrite=overwrite)
    with open(table_path, "w") as handle:
        handle.write(result.table() + "\n\n" + result.uncertainty_table() + "\n")
    with open(csv_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        columns = list(result.per_image[result.systems[0]][0])
        writer.writerow(["image", "system"] + columns)
        for system in result.systems:
            for name, row in zip(result.names, result.per_image[system]):
                writer.writerow([name, system] + [f"{row[m]:.5g}" for m in columns])
    if predictions is None:
        log.info(f"report written to {report}")
        return
    models = list(result.systems)
    per_page = 6
    for page in range(0, len(result.names), per_page):
        chunk = list(range(page, min(page + per_page, len(result.names))))
        ncol = 2 + len(models)
        fig, axes = plt.subplots(len(chunk), ncol, figsize=(2.2 * ncol, 2.2 * len(chunk)),
                                 squeeze=False)
        for r, i in enumerate(chunk):
            truth = images[i]
            panels = [np.repeat(rgb_to_luma(truth)[..., None], 3, -1)]
            panels += [predictions[m][i] for m in models] + [truth]
            titles = ["luminance"] + models + ["truth"]
            for c, (panel, title) in enumerate(zip(panels, titles)):
                ax = axes[r, c]
                ax.imshow(np.clip(panel, 0, 1))
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(title, fontsize=8)
                if c == 0:
                    ax.set_ylabel(result.names[i][:18], fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(report, f"comparison_{page // per_page + 1:02d}.png"), dpi=90)
        plt.close(fig)
    log.info(f"report written to {report}")


def _colorizers(models, *, stretch, tta, subject="auto"):
    """Colorizers for the given models (paths, `Colorizer` objects or None for the
    shipped one), all configured for one input path, with unique labels."""
    from ..colorize import Colorizer

    colorizers, labels = [], []
    for model in (models or [None]):
        given = model if isinstance(model, Colorizer) else Colorizer(model, subject=subject)
        colorizer = Colorizer(given, stretch=stretch, tta=tta, device=given.device.type,
                              subject=given.subject, filters=given.filters,
                              hedge=given.hedge, neutral_sky=given.neutral_sky)
        label = os.path.splitext(given.name)[0]
        if given.subject != "auto":
            label += f" ({given.subject})"
        while label in labels or label in BASELINES.values():
            label += "'"
        colorizers.append(colorizer)
        labels.append(label)
    return colorizers, labels


def _fusion_networks(models):
    """Label → fusion network for fusion model files (None: the shipped one)."""
    from ..colorize import FUSION_MODEL
    from ..fusion._model import load_fusion_model

    nets = {}
    for model in (models or [None]):
        path = FUSION_MODEL if model is None else os.fspath(model)
        label = os.path.splitext(os.path.basename(path))[0]
        while label in nets or label in CLASSICAL_CHOICE.values():
            label += "'"
        nets[label] = load_fusion_model(path)[0]
    return nets


def _scored_images(data_dir, split, max_side, only_coloured):
    """Names, RGB images and, for simulated fields, their filters' linear data and the
    headers that say what the filters are (`field_filters`)."""
    names, images, bands, headers = [], [], [], []
    for path in find_images(data_dir, split=split):
        try:
            if is_field_folder(path):
                rgb, linear = read_field(path, max_side=max_side)
                filters = field_filters(path)
            else:
                rgb, linear = read_color_image(path, max_side=max_side), None
                filters = None
        except OSError as exc:
            log.warning(f"skipping {os.path.basename(path)}: {exc}")
            continue
        if only_coloured and not is_coloured(rgb):
            continue
        names.append(os.path.basename(path))
        images.append(rgb)
        bands.append(linear)
        headers.append(filters)
    if not images:
        raise ValueError(f"{data_dir} holds no coloured image to score in the {split!r} split")
    return names, images, bands, headers


def evaluate(data_dir, *, models=None, split="test", max_side=256, report=None, tta=False,
             only_coloured=True, overwrite=False, hints="none", path="protocol", subject="auto"):
    """Evaluate colorizers on a folder of colour images, by the fixed protocol.

    Each image of the split is read as RGB (alpha dropped), shrunk so its
    longest side is at most ``max_side`` (PIL ``thumbnail``, Lanczos) and
    scaled to [0, 1]; images without colour are not scored (see
    `~astro_colorgan.datasets.is_coloured`). Its Rec. 709 luma, plus the
    measured colour of the mode ``hints``, is the input (see
    `~astro_colorgan.evaluation.HINT_MODES`). Each model and the mode's
    classical baseline are scored with `~astro_colorgan.evaluation.image_metrics`.

    With one band (``hints='none'``) the models are colorizers and the
    baseline is grey. In the guided modes (colour measured: ``lrgb2`` …
    ``lrgb16``, Wald's case ``wald``, ``two-band``) the models are fusion
    networks (`~astro_colorgan.fusion.DetailNet` files; default: the shipped
    one), and every classical fusion of
    ``astro_colorgan.evaluation._fusion.classical_candidates`` is scored
    beside them, with SAM, ERGAS and the frames' χ² per pixel; the baseline
    is the candidate chosen on the validation split (first in ``systems``).
    A simulated field of three filters enters Wald's case with its own linear
    images as the truth (simulate it with ``--no-noise``: the case adds the
    noise).

    Parameters
    ----------
    data_dir : str or path-like
        Folder of colour images.
    models : list, optional
        `~astro_colorgan.Colorizer` objects or model file paths (default: the
        shipped model); in the guided modes, fusion model files (default:
        the shipped fusion model).
    split : {'test', 'train', 'fit', 'validation', 'all'}
        Which images to score (`~astro_colorgan.datasets.find_images`).
    max_side : int
        Longest side of the evaluated images.
    report : str or path-like, optional
        Folder for ``metrics.rst``, ``per_image.csv`` and figures of input |
        baseline | model output(s) | truth.
    tta : bool
        Colorize with the 8 rotations/flips averaged (single band).
    only_coloured : bool
        Score only images with colour (the protocol).
    overwrite : bool
        Replace existing report files.
    hints : {'none', 'lrgb2', 'lrgb4', 'lrgb8', 'lrgb16', 'wald', 'two-band'}
        The colour mode: what colour is measured.
    path : {'protocol', 'users'}
        How the luminance reaches the model: as display-scaled luma with
        ``stretch=None``, or as linear data with sky and noise through the
        default display scaling, scored on colour alone (see
        ``PATHS``). On the users' path a simulated field's linear data is its
        own middle filter's image (the composite's green for three filters),
        as an astronomer with that one filter would colorize it, with its
        ``FILTER`` and ``PHOTPLAM`` cards (which make it a field for
        ``subject='auto'``). Guided modes take the protocol's path only.
    subject : {'auto', 'photograph', 'field'}
        The subject of the models given as files (see
        `~astro_colorgan.Colorizer`); a `~astro_colorgan.Colorizer` given
        keeps its own.

    Returns
    -------
    `EvaluationResult`

    Raises
    ------
    ValueError
        If the folder holds no usable image of the split, for an unknown mode
        or path, or for the users' path in a guided mode.
    """
    if hints not in HINT_MODES:
        raise ValueError(f"hints must be one of {', '.join(HINT_MODES)}, not {hints!r}")
    if path not in PATHS:
        raise ValueError(f"path must be one of {', '.join(PATHS)}, not {path!r}")
    if hints in FUSION_MODES and path != "protocol":
        raise ValueError("path='users' is the single-band mode's (hints='none'); the guided "
                         "modes' case in linear flux is hints='wald'")
    if hints in FUSION_MODES:
        nets = _fusion_networks(models)
    else:
        colorizers, labels = _colorizers(models, stretch=None if path == "protocol" else "auto",
                                         tta=tta, subject=subject)
    if report is not None and os.path.isdir(report):
        check_output_path(os.path.join(report, "metrics.rst"), overwrite=overwrite)
    names, images, bands, headers = _scored_images(data_dir, split, max_side, only_coloured)
    if hints in FUSION_MODES:
        from ._fusion import fusion_per_image

        fields = [b if b is not None and len(b) == 3 else None for b in bands]
        result = EvaluationResult(names, fusion_per_image(images, hints, nets, linear=fields),
                                  baseline=CLASSICAL_CHOICE[hints])
        if report is not None:
            _write_report(os.fspath(report), result, images, None, overwrite)
        return result
    base = BASELINES[hints]
    per_image = {base: []}
    predictions = {label: [] for label in [base] + labels}
    rng = np.random.default_rng(0)
    for rgb, linear, filters in zip(images, bands, headers):
        luma = rgb_to_luma(rgb)
        if path == "protocol":
            data = luma
        elif linear is not None:  # a field's own data in its middle filter, and its header
            data = fits.ImageHDU(linear[len(linear) // 2], filters[len(linear) // 2])
        else:  # a photograph's luma made linear
            data = users_path_data(luma, rng)
        outputs = [baseline(rgb, hints)]
        outputs += [model_prediction(c, rgb, hints, data) for c in colorizers]
        for label, pred in zip([base] + labels, outputs):
            if path == "users":
                pred = colour_alone(rgb, pred)
            per_image.setdefault(label, []).append(image_metrics(rgb, pred))
            predictions[label].append(pred)
    result = EvaluationResult(names, per_image, baseline=base)
    if report is not None:
        _write_report(os.fspath(report), result, images, predictions, overwrite)
    return result
