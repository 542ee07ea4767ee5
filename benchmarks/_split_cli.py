"""Command line shared by the benchmarks that score one model on splits of a folder."""

import argparse

__all__ = ["STELLARIUM", "parse_split_args"]

STELLARIUM = "/usr/share/stellarium/nebulae/default"


def parse_split_args(description, default_splits, argv=None):
    """Parse ``[DATA_DIR] [--model PATH] [--split S ...] [--json PATH]`` and load the model.

    Parameters
    ----------
    description : str
        The script's one-line description.
    default_splits : list of str
        Splits scored when no ``--split`` is given.
    argv : list of str, optional
        Arguments (default: the command line).

    Returns
    -------
    args : `argparse.Namespace`
        With ``splits`` filled in.
    colorizer : `~astro_colorgan.Colorizer`
        The model of ``--model``, or the shipped one, on the CPU.
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

    colorizer = (Colorizer.from_file(args.model, device="cpu") if args.model
                 else Colorizer.pretrained(device="cpu"))
    return args, colorizer
