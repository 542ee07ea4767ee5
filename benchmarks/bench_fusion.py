"""Benchmark: the fusion model against every classical baseline, mode by mode.

For each mode of `astro_colorgan.evaluation._fusion.FUSION_MODES` on a split
of the stellarium-data photographs (default: ``validation``), prints the mean
ΔE00 on coloured pixels, the colourfulness ratio, SAM, ERGAS and the χ² per
pixel of the model and of each classical candidate, and the paired difference
of the model against the best classical candidate of the split (with its
standard error). The test split is scored only when asked for, and the
candidate it is compared with is then the one chosen on ``validation``
(``--choose validation``).

Usage: ``python benchmarks/bench_fusion.py MODEL [--split validation] [--modes lrgb4,wald]``.
"""

import argparse
import json

import numpy as np

__all__ = ["measure", "main"]

DEFAULT_DATA = "/usr/share/stellarium/nebulae/default"


def measure(model, data_dir, split, modes, *, max_images=None):
    """Per mode: the mean metrics of the model and of each classical candidate, and the
    per-image ΔE00 of each (a dict)."""
    from astro_colorgan.datasets import find_images, is_coloured, read_color_image
    from astro_colorgan.evaluation._fusion import (classical_candidates, fusion_inputs,
                                                   model_fusion, score_fusion)
    from astro_colorgan.fusion._model import load_fusion_model

    net = load_fusion_model(model)[0] if model else None
    truths = []
    for path in find_images(data_dir, split=split):
        rgb = read_color_image(path, max_side=256)
        if is_coloured(rgb):
            truths.append(rgb)
    truths = truths[:max_images]
    results = {}
    for mode in modes:
        rng = np.random.default_rng(0)
        rows = {}
        for truth in truths:
            inputs = fusion_inputs(truth, mode, rng)
            outputs = classical_candidates(inputs, mode)
            if net is not None:
                outputs["model"] = model_fusion(inputs, net)
            for name, fused in outputs.items():
                rows.setdefault(name, []).append(score_fusion(truth, mode, fused, inputs))
        results[mode] = rows
    return results


def _summary(rows, keys=("de00_coloured", "colourfulness_ratio", "sam", "ergas", "chi2")):
    return {k: float(np.nanmean([r[k] for r in rows])) for k in keys}


def main(args=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--modes", default="lrgb2,lrgb4,lrgb8,lrgb16,wald,two-band")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--json", default=None, help="write the summaries here")
    opts = parser.parse_args(args)
    results = measure(opts.model, opts.data, opts.split, opts.modes.split(","),
                      max_images=opts.max_images)
    out = {}
    for mode, rows in results.items():
        summary = {name: _summary(r) for name, r in rows.items()}
        classical = {n: s for n, s in summary.items() if n != "model"}
        best = min(classical, key=lambda n: classical[n]["de00_coloured"])
        print(f"\n{mode}  ({len(rows[best])} images; best classical: {best})")
        for name, s in sorted(summary.items(), key=lambda kv: kv[1]["de00_coloured"]):
            print(f"  {name:24s} dE00 {s['de00_coloured']:6.3f}  colourf {s['colourfulness_ratio']:5.2f}"
                  f"  SAM {s['sam']:6.2f}  ERGAS {s['ergas']:7.3f}  chi2 {s['chi2']:9.3g}")
        if "model" in rows:
            diff = np.array([m["de00_coloured"] - c["de00_coloured"]
                             for m, c in zip(rows["model"], rows[best])])
            print(f"  model - best classical: {diff.mean():+.3f} ± "
                  f"{diff.std(ddof=1) / np.sqrt(len(diff)):.3f}  "
                  f"(ratio {summary['model']['de00_coloured'] / summary[best]['de00_coloured']:.3f})")
        out[mode] = {"best_classical": best, "summary": summary}
    if opts.json:
        with open(opts.json, "w") as handle:
            json.dump(out, handle, indent=1)
    return out


if __name__ == "__main__":
    main()
