"""Benchmark: the fusion model against every classical fusion, mode by mode.

For each guided mode (``astro_colorgan.evaluation._modes.FUSION_MODES``) on a
split of the stellarium-data photographs (default: ``validation``), runs the
evaluation command's own scoring (`astro_colorgan.evaluation.evaluate` with
``hints=mode``) and prints, per mode: the mean ΔE00 on coloured pixels, the
colourfulness ratio, SAM, ERGAS and the χ² per pixel of the model and of each
classical candidate, the candidate that is best on this split (on
``validation`` this is how ``CLASSICAL_CHOICE`` was chosen), and the paired
difference of the model from the chosen baseline with its standard error.
Score the test split only once, after every choice was made on validation.

Usage: ``python benchmarks/bench_fusion.py [MODEL] [--split validation] [--modes lrgb4,wald]
[--json FILE]``.
"""

import argparse
import json

__all__ = ["main"]

DEFAULT_DATA = "/usr/share/stellarium/nebulae/default"


def main(args=None):
    from astro_colorgan.evaluation import evaluate
    from astro_colorgan.evaluation._modes import FUSION_MODES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None,
                        help="fusion model file (default: the shipped one)")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--modes", default=",".join(FUSION_MODES))
    parser.add_argument("--json", default=None, help="write the means and paired differences here")
    opts = parser.parse_args(args)
    out = {}
    for mode in opts.modes.split(","):
        result = evaluate(opts.data, models=[opts.model] if opts.model else None,
                          split=opts.split, hints=mode)
        model = result.systems[-1]
        classical = [s for s in result.systems if s != model]
        best = min(classical, key=lambda s: result.means[s]["de00_coloured"])
        diff, err = result.paired_difference(model)
        ratio = result.means[model]["de00_coloured"] / result.means[result.baseline]["de00_coloured"]
        print(f"\n{mode}: {len(result.names)} images; baseline {result.baseline}; best classical "
              f"on this split: {best}")
        print(result.table())
        print(f"{model} minus {result.baseline}: {diff:+.3f} ± {err:.3f} (ratio {ratio:.3f})")
        out[mode] = {"baseline": result.baseline, "best_classical": best, "means": result.means,
                     "standard_errors": result.standard_errors,
                     "paired": [diff, err], "ratio": ratio, "n": len(result.names)}
    if opts.json:
        with open(opts.json, "w") as handle:
            json.dump(out, handle, indent=1)
    return out


if __name__ == "__main__":
    main()
