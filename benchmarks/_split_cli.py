"""Command line and report shared by the benchmarks that score one model on splits of a folder."""

import argparse
import json

__all__ = ["STELLARIUM", "parse_split_args", "run_split_benchmark"]

STELLARIUM = "/usr/share/stellarium/nebulae/default"


def parse_split_args(description, default_splits, argv=None, **options):
    """Parse ``[DATA_DIR] [--model PATH] [--split S ...] [--json PATH]`` and load the model.

    Parameters
    ----------
    description : str
        The script's one-line description.
    default_splits : list of str
        Splits scored when no ``--split`` is given.
    argv : list of str, optional
        Arguments (default: the command line).
    **options
        Options of the `~astro_colorgan.Colorizer` (``stretch``, ``tta``, ...).

    Returns
    -------
    args : `argparse.Namespace`
        With ``splits`` filled in.
    colorizer : `~astro_colorgan.Colorizer`
        The model of ``--model``, or the shipped one, on the CPU, configured
        with ``options``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data_dir", nargs="?", default=STELLARIUM)
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("--split", action="append", dest="splits",
                        help=f"split to score, repeatable (default: {' and '.join(default_splits)})")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    args.splits = args.splits or list(default_splits)
    from astro_colorgan import Colorizer

    colorizer = Colorizer(args.model, device="cpu", **options)  # None: the shipped model
    return args, colorizer


def run_split_benchmark(description, default_splits, split_summary, cell, *, label_width,
                        cell_width, shown=lambda key: True, argv=None, colorizer_options=None):
    """Score the model on each split, print one column per split, and write ``--json``.

    Parameters
    ----------
    description, default_splits, argv
        As for `parse_split_args`.
    split_summary : callable
        ``split_summary(colorizer, data_dir, split)``: a dict of results that
        starts with ``"split"`` and has the same keys for every split.
    cell : callable
        ``cell(result, key)``: the printed cell of one result.
    label_width, cell_width : int
        Widths of the row labels and of the split names heading the columns.
    shown : callable, optional
        ``shown(key)``: whether a key gets a row (``"split"`` never does).
    colorizer_options : dict, optional
        Options of the `~astro_colorgan.Colorizer` given to ``split_summary``.

    Returns
    -------
    int
        Exit status, 0.
    """
    args, colorizer = parse_split_args(description, default_splits, argv,
                                       **(colorizer_options or {}))
    results = [split_summary(colorizer, args.data_dir, split) for split in args.splits]
    print(f"model: {args.model or 'shipped default model'}")
    print(" " * label_width + "".join(f"{r['split']:>{cell_width}s}" for r in results))
    for key in results[0]:
        if key != "split" and shown(key):
            print(f"{key:{label_width}s}" + "".join(cell(r, key) for r in results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
    return 0
