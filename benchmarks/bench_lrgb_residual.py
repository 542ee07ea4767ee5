"""Benchmark: what limits learned LRGB — the colour below a colour frame's resolution.

In the ``lrgbF`` modes of the evaluation protocol the colour frame is the
truth shrunk F times by block mean; classical LRGB puts the frame's colour
ratios under the full-resolution luminance. What a learned colorizer can add
is the colour *below* the frame's resolution: the truth minus classical LRGB.
For one model, on a split of a folder of colour photographs (default: the
``validation`` split of stellarium-data's), this script prints, on the
protocol's coloured pixels, in CIELAB a* b*:

* ΔE2000 on coloured pixels of classical LRGB and of the model;
* how much of the residual (truth − classical) the model predicts: the
  variance explained, 1 − Σ|r_true − r_model|² / Σ|r_true|² (1 perfect, 0 no
  skill, below 0 harm), and the mean cosine between the two residuals;
* the *chroma-resolution oracle*: the truth's relative chroma averaged in
  blocks of the network's chroma stride (4 px) under the full-resolution
  luma, what a model whose chroma were exactly right at its own resolution
  would score.

The test split is never read unless asked for with ``--split test``.

Usage: ``python benchmarks/bench_lrgb_residual.py [DATA_DIR] [--model PATH]
[--split validation] [--factor 8]``.
"""

import argparse

import numpy as np

__all__ = ["measure", "main"]

DEFAULT_DATA = "/usr/share/stellarium/nebulae/default"
#: The generator's chroma is predicted in blocks of this many pixels.
CHROMA_BLOCK = 4


def _oracle(truth, block=CHROMA_BLOCK):
    """The truth's relative chroma averaged in ``block`` x ``block`` blocks, under its luma."""
    from astro_colorgan.colorspace import (absolute_chroma, chroma_to_rgb, relative_chroma,
                                           rgb_to_chroma, rgb_to_luma)

    ny, nx = (s - s % block for s in truth.shape[:2])
    truth = truth[:ny, :nx]
    luma = rgb_to_luma(truth)
    rel = relative_chroma(rgb_to_chroma(truth), luma[..., None])
    rel = rel.reshape(ny // block, block, nx // block, block, 2).mean((1, 3))
    rel = rel.repeat(block, 0).repeat(block, 1)
    return np.clip(chroma_to_rgb(luma, absolute_chroma(rel, luma[..., None])), 0, 1)


def measure(data_dir, model, split, factor):
    """The numbers of the module docstring, as a dict."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from astro_colorgan import Colorizer
    from astro_colorgan.colorize import MeasuredColour
    from astro_colorgan.colorspace import rgb_to_luma
    from astro_colorgan.datasets import find_images, is_coloured, read_color_image
    from astro_colorgan.evaluation import classical_lrgb, lrgb_frame, pixel_masks

    colorizer = Colorizer(model, device="cpu", stretch=None)
    errors = {"classical": [], "model": [], "oracle": []}
    cosines, num, den = [], 0.0, 0.0
    for path in find_images(data_dir, split=split):
        truth = read_color_image(path, max_side=256)
        if not is_coloured(truth):
            continue
        luma = rgb_to_luma(truth)
        frame = lrgb_frame(truth, factor)
        classical = classical_lrgb(frame, luma)
        colour = MeasuredColour(np.ascontiguousarray(np.moveaxis(frame, -1, 0)),
                                np.ones(luma.shape, np.float32), coarseness=factor,
                                names=[f"colour frame {factor}x coarser"])
        predicted = np.clip(colorizer.colorize(luma, colour=colour).rgb, 0, 1)
        oracle = _oracle(truth)
        ny, nx = oracle.shape[:2]
        lab_truth = rgb2lab(truth[:ny, :nx])
        coloured = pixel_masks(lab_truth)[1]
        if not coloured.any():
            continue
        lab = {"classical": rgb2lab(classical[:ny, :nx]), "model": rgb2lab(predicted[:ny, :nx]),
               "oracle": rgb2lab(oracle)}
        for name, value in lab.items():
            errors[name].append(float(deltaE_ciede2000(lab_truth, value)[coloured].mean()))
        r_true = (lab_truth - lab["classical"])[..., 1:][coloured]
        r_model = (lab["model"] - lab["classical"])[..., 1:][coloured]
        num += float(((r_true - r_model) ** 2).sum())
        den += float((r_true ** 2).sum())
        cosines.append(float((r_true * r_model).sum()
                             / np.sqrt((r_true ** 2).sum() * (r_model ** 2).sum() + 1e-12)))
    return {"images": len(cosines),
            **{f"de00_coloured_{k}": float(np.mean(v)) for k, v in errors.items()},
            "residual_variance_explained": 1 - num / den if den else float("nan"),
            "residual_cosine": float(np.mean(cosines))}


def main(argv=None):
    from astro_colorgan.colorize import DEFAULT_MODEL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=DEFAULT_DATA)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--factor", type=int, default=8)
    args = parser.parse_args(argv)
    result = measure(args.data_dir, args.model, args.split, args.factor)
    print(f"lrgb{args.factor}, {args.split} split, {result['images']} coloured images")
    for name in ("classical", "model", "oracle"):
        print(f"  ΔE2000 coloured, {name:9s} {result[f'de00_coloured_{name}']:.2f}")
    print(f"  residual variance explained by the model {result['residual_variance_explained']:+.3f}")
    print(f"  mean cosine of the model's and the true residual {result['residual_cosine']:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
