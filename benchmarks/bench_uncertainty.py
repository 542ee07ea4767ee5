"""Benchmark: does the colour-uncertainty map show where the colours are wrong?

``tta=True`` returns, beside the colours, the spread of the predicted chroma
over the 8 rotations and flips of the input (``CHROMA_SPREAD``, see
:ref:`colorize-uncertainty`). This script measures how well that spread ranks
colour errors, for one model, on splits of a folder of colour photographs
(default: stellarium-data's held-out ``validation`` split).

For every coloured image, at the evaluation protocol's 256 px and Rec. 709 luma
input, it colorizes with ``tta=True`` and takes the per-pixel ΔE2000 against
the truth on the protocol's coloured pixels. Over the images of a split it
prints, as mean ± standard error over images where a mean is taken:

* **inside an image**: the Spearman rank correlation between the spread and
  ΔE2000 over the image's coloured pixels; the mean ΔE2000 of the pixels whose
  spread is below the image's median and of those above it; in each half, the
  ΔE2000 the colours add to the grey input's (model − grey), which tells a
  spread that marks wrong colours from one that marks strong colours; and the
  difference of that between the halves, image by image. The same for the
  *relative* spread, spread / (luma + 0.02), which does not grow with
  brightness as the chroma itself does;
* **between images**: the Spearman correlation, over images, between an
  image's mean spread on coloured pixels and its ΔE2000 on them, and between
  the mean spread and the ΔE2000 the colours add to the grey input's
  (model − grey): whether a large spread marks the images whose colours are
  worse than none.

A useful map has clearly positive correlations, and a clearly positive
difference of ΔE2000 − grey between the halves above and below the median.
The test split is never read unless asked for with ``--split test``.

Usage: ``python benchmarks/bench_uncertainty.py [DATA_DIR] [--model PATH]
[--split validation] [--json PATH]``.
"""

import sys

import numpy as np
from _split_cli import run_split_benchmark

__all__ = ["image_uncertainty", "split_summary", "main"]

#: Fewest coloured pixels for an image's own rank correlation.
MIN_PIXELS = 50
#: Per-image scores of each spread map (``{}``: its name), averaged over images.
SCORES = ("ρ {}", "ΔE00, {} below median", "ΔE00, {} above median",
          "ΔE00 − grey, {} below median", "ΔE00 − grey, {} above median",
          "ΔE00 − grey, {} above − below median")


def image_uncertainty(colorizer, rgb):
    """Spread-against-error scores of one colour photograph (a dict).

    Parameters
    ----------
    colorizer : `~astro_colorgan.Colorizer`
        The model, made with ``stretch=None`` (the luma is display-ready) and
        ``tta=True`` (the spread comes with the 8 rotations/flips).
    rgb : `numpy.ndarray`
        ``(ny, nx, 3)`` truth in [0, 1]; the model sees its Rec. 709 luma.

    Returns
    -------
    dict
        Per-image scores, NaN where the image has too few coloured pixels.
    """
    from scipy.stats import spearmanr
    from skimage.color import deltaE_ciede2000, rgb2lab

    from astro_colorgan.evaluation import pixel_masks
    from astro_colorgan.colorspace import rgb_to_luma

    luma = rgb_to_luma(rgb)
    result = colorizer.colorize(luma)
    spread = result.uncertainty
    lab_truth = rgb2lab(rgb)
    error = deltaE_ciede2000(lab_truth, rgb2lab(np.clip(result.rgb, 0, 1)))
    grey_error = deltaE_ciede2000(lab_truth, rgb2lab(np.repeat(luma[..., None], 3, -1)))
    mask = pixel_masks(lab_truth)[1]
    spreads = {"spread": spread, "relative spread": spread / (luma + 0.02)}
    scores = {name: float(values[mask].mean()) if mask.any() else np.nan
              for name, values in (("ΔE00", error), ("ΔE00 grey", grey_error),
                                   ("mean spread", spread))}
    for name, spread in spreads.items():
        s, e, added = spread[mask], error[mask], error[mask] - grey_error[mask]
        scores.update({key.format(name): np.nan for key in SCORES})
        if s.size < MIN_PIXELS:
            continue
        low = s <= np.median(s)
        if low.all():
            continue
        scores[f"ρ {name}"] = float(spearmanr(s, e)[0])
        scores[f"ΔE00, {name} below median"] = float(e[low].mean())
        scores[f"ΔE00, {name} above median"] = float(e[~low].mean())
        scores[f"ΔE00 − grey, {name} below median"] = float(added[low].mean())
        scores[f"ΔE00 − grey, {name} above median"] = float(added[~low].mean())
        scores[f"ΔE00 − grey, {name} above − below median"] = float(added[~low].mean()
                                                                    - added[low].mean())
    return scores


def split_summary(colorizer, data_dir, split, *, max_side=256):
    """Spread-against-error scores of a colorizer on one split of a folder (a dict)."""
    from scipy.stats import spearmanr

    from astro_colorgan.datasets import find_images, is_coloured, read_color_image
    from astro_colorgan.evaluation import standard_errors

    rows = []
    for path in find_images(data_dir, split=split):
        rgb = read_color_image(path, max_side=max_side)
        if is_coloured(rgb):
            rows.append(image_uncertainty(colorizer, rgb))
    if not rows:
        raise ValueError(f"no coloured image in the {split!r} split of {data_dir}")
    summary = {"split": split, "images": len(rows)}
    keys = [score.format(name) for name in ("spread", "relative spread") for score in SCORES]
    errors = standard_errors(rows, names=keys)
    for key in keys:
        summary[key] = float(np.nanmean([row[key] for row in rows]))
        summary[f"{key} SE"] = errors[key]
    spread = np.array([row["mean spread"] for row in rows])
    error = np.array([row["ΔE00"] for row in rows])
    added = error - np.array([row["ΔE00 grey"] for row in rows])
    summary["ρ images: spread vs ΔE00"] = float(spearmanr(spread, error, nan_policy="omit")[0])
    summary["ρ images: spread vs ΔE00 − grey"] = float(spearmanr(spread, added,
                                                                nan_policy="omit")[0])
    return summary


def _cell(result, key):
    if key == "images":
        return f"{result[key]:16.0f}"
    if key + " SE" in result:
        return f"{result[key]:9.2f} ± {result[key + ' SE']:4.2f}"
    return f"{result[key]:16.2f}"


def main(argv=None):
    return run_split_benchmark(__doc__.splitlines()[0], ["validation"], split_summary, _cell,
                               label_width=52, cell_width=16,
                               shown=lambda key: not key.endswith(" SE"), argv=argv,
                               colorizer_options={"stretch": None, "tta": True})


if __name__ == "__main__":
    sys.exit(main())
