"""Benchmark: single-band colour by subject, with the sky kept neutral and the hedge.

Scores a model (default: the shipped one) with the evaluation command's own
scoring (`astro_colorgan.evaluation.evaluate`, one band, against grey) on
three cases, as users run it: the stellarium-data photographs (the protocol's
path, display-ready luma), the same on the users' path (linear data with sky
and noise), and simulated survey fields on the users' path (a field's own
middle filter, whose ``FILTER`` keyword makes it a field). For each value of
``hedge`` (and with and without the neutral sky) it prints the mean ΔE00 on
coloured pixels, grey's, the paired difference, the fraction of images worse
than grey, the colourfulness ratio and the mean chroma of sky pixels.

On ``--split validation`` (the default) this is how ``DEFAULT_HEDGE`` was
chosen: per subject, the smallest hedge whose fraction of images worse than
grey is at most 20 % on every path while the colourfulness ratio on the
protocol path stays at least 0.8 (the single-band target's band); where no
hedge does both, none (0).
Score the test split once, after every choice.

Usage: ``python benchmarks/bench_single_band.py [--model M] [--fields DIR [DIR ...]]
[--split validation] [--hedges 0,0.5,1,2] [--cases protocol,users,fields] [--sky-off]
[--json FILE]``.
"""

import argparse
import json

__all__ = ["main"]

DEFAULT_DATA = "/usr/share/stellarium/nebulae/default"


def _row(result, label):
    mean = result.means[label]
    diff, err = result.paired_difference(label)
    return {"de00": mean["de00_coloured"], "grey": result.means["grey"]["de00_coloured"],
            "paired": diff, "paired_se": err, "worse": result.fraction_worse(label),
            "colourfulness": mean["colourfulness_ratio"], "sky_chroma": mean["sky_chroma"],
            "n": len(result.names)}


def main(args=None):
    from astro_colorgan import Colorizer
    from astro_colorgan.evaluation import evaluate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model file (default: the shipped one)")
    parser.add_argument("--data", default=DEFAULT_DATA, help="the photographs' folder")
    parser.add_argument("--fields", nargs="*", default=[],
                        help="folders of simulated fields (datasets.simulate_fields)")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--hedges", default="0,0.5,1,2")
    parser.add_argument("--cases", default="protocol,users,fields",
                        help="which of the photographs' protocol and users' paths and the "
                             "fields to score (comma list)")
    parser.add_argument("--sky-off", action="store_true",
                        help="also score hedge 0 without the neutral sky")
    parser.add_argument("--json", default=None)
    opts = parser.parse_args(args)
    chosen = opts.cases.split(",")
    cases = [("photographs", opts.data, path) for path in ("protocol", "users") if path in chosen]
    if "fields" in chosen:
        cases += [(f"fields {folder}", folder, "users") for folder in opts.fields]
    settings = [(float(h), True) for h in opts.hedges.split(",")]
    settings += [(0.0, False)] if opts.sky_off else []
    base = Colorizer(opts.model, device="cpu")  # loaded once; each setting shares its network
    out = []
    for name, folder, path in cases:
        for hedge, neutral in settings:
            colorizer = Colorizer(base, device="cpu", hedge=hedge, neutral_sky=neutral)
            result = evaluate(folder, models=[colorizer], split=opts.split, path=path)
            label = result.systems[1]
            row = dict(case=name, path=path, hedge=hedge, neutral_sky=neutral,
                       **_row(result, label))
            out.append(row)
            print(f"{name:40s} {path:8s} hedge {hedge:<4g} neutral sky {neutral!s:5s} "
                  f"ΔE00 {row['de00']:.2f} (grey {row['grey']:.2f}; paired {row['paired']:+.2f}"
                  f" ± {row['paired_se']:.2f}) worse {row['worse']:.0%} colourfulness "
                  f"{row['colourfulness']:.2f} sky chroma {row['sky_chroma']:.2f} "
                  f"(n={row['n']})", flush=True)
    if opts.json:
        with open(opts.json, "w") as handle:
            json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
