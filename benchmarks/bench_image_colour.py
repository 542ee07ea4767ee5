"""Benchmark: how much of each image's overall colour a model predicts.

ΔE2000 on coloured pixels mixes two errors: the colour of the image as a whole
(an emission nebula drawn in H-alpha red or in the teal of a Hubble-palette
photograph) and how colour varies inside it (a galaxy's yellow core and blue
arms). This script separates them, for one model, on splits of a folder of
colour photographs (default: stellarium-data's, on the ``fit`` split the model
was trained on and the held-out ``validation`` split).

For every coloured image, at the evaluation protocol's 256 px and Rec. 709 luma
input, it takes the *image colour*: the foreground-weighted mean relative chroma
(Cb, Cr) / (Y + ε) (`~astro_colorgan.colorspace.foreground_weight`,
`~astro_colorgan.colorspace.relative_chroma`) of the truth and of the model's output.
Over the images of a split it prints:

* the correlation of the predicted image colour with the truth's, and its
  R² (1 − mean squared error / variance of the truth): 1 is perfect, 0 is no
  better than the same colour for every image, below 0 worse;
* the mean ΔE2000 on coloured pixels and colourfulness ratio of the model;
* the same with the model's image colour replaced by the truth's, its variation
  inside the image kept (*true image colour*): what a perfect image colour
  would give this model;
* the truth's image colour painted uniformly over the luma (*true colour
  only*): what the image colour alone is worth.

The test split is never read unless asked for with ``--split test``.

Usage: ``python benchmarks/bench_image_colour.py [DATA_DIR] [--model PATH]
[--split fit --split validation] [--json PATH]``.
"""

import sys

import numpy as np
from _split_cli import run_split_benchmark

__all__ = ["image_colour", "split_summary", "main"]



def image_colour(rgb):
    """Foreground-weighted mean relative chroma ``(Cb, Cr)`` of an RGB image."""
    from astro_colorgan.colorspace import rgb_to_luma

    luma = rgb_to_luma(rgb)
    return _weighted_colour(_relative(rgb, luma), luma)


def _relative(rgb, luma):
    from astro_colorgan.colorspace import relative_chroma, rgb_to_chroma

    return relative_chroma(rgb_to_chroma(rgb), luma[..., None])


def _weighted_colour(relative, luma):
    from astro_colorgan.colorspace import foreground_weight

    weight = foreground_weight(luma)
    return (relative * weight[..., None]).sum(axis=(0, 1)) / weight.sum()


def _recolour(luma, relative):
    from astro_colorgan.colorspace import absolute_chroma, chroma_to_rgb

    return chroma_to_rgb(luma, absolute_chroma(relative, luma[..., None]))


def split_summary(colorizer, data_dir, split, *, max_side=256):
    """Image-colour scores of a colorizer (made with ``stretch=None``) on one split of a
    folder (a dict)."""
    from astro_colorgan.datasets import find_images, is_coloured, read_color_image
    from astro_colorgan.evaluation import image_metrics
    from astro_colorgan.colorspace import rgb_to_luma

    truths, predictions, scores = [], [], {"model": [], "true image colour": [],
                                          "true colour only": []}
    for path in find_images(data_dir, split=split):
        rgb = read_color_image(path, max_side=max_side)
        if not is_coloured(rgb):
            continue
        luma = rgb_to_luma(rgb)
        pred = colorizer.colorize(luma).rgb
        # the output's luma is the input's, exactly: its relative chroma is computed once
        relative = _relative(pred, luma)
        true_colour, pred_colour = image_colour(rgb), _weighted_colour(relative, luma)
        candidates = {"model": pred,
                      "true image colour": _recolour(luma, relative - pred_colour + true_colour),
                      "true colour only": _recolour(luma, np.broadcast_to(true_colour,
                                                                          relative.shape))}
        for name, image in candidates.items():
            metrics = image_metrics(rgb, image)
            scores[name].append((metrics["de00_coloured"], metrics["colourfulness_ratio"]))
        truths.append(true_colour)
        predictions.append(pred_colour)
    if not truths:
        raise ValueError(f"no coloured image in the {split!r} split of {data_dir}")
    truths, predictions = np.array(truths), np.array(predictions)
    summary = {"split": split, "images": len(truths)}
    for k, name in enumerate(("Cb", "Cr")):
        t, p = truths[:, k], predictions[:, k]
        summary[f"corr {name}"] = float(np.corrcoef(t, p)[0, 1])
        summary[f"R2 {name}"] = float(1 - np.mean((t - p) ** 2) / np.var(t))
    for name, values in scores.items():
        de, ratio = np.nanmean(np.array(values), axis=0)
        summary[f"ΔE00 coloured, {name}"] = float(de)
        summary[f"colourfulness, {name}"] = float(ratio)
    return summary


def main(argv=None):
    return run_split_benchmark(
        __doc__.splitlines()[0], ["fit", "validation"], split_summary,
        lambda r, key: f"{r[key]:12.0f}" if key == "images" else f"{r[key]:12.2f}",
        label_width=34, cell_width=12, argv=argv, colorizer_options={"stretch": None})


if __name__ == "__main__":
    sys.exit(main())
