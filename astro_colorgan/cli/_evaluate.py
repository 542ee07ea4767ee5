"""``astro-colorize evaluate``: the evaluation protocol on a folder of colour images."""

import os

from ._options import SUBJECT_CHOICES, overwrite_options

__all__ = ["add_parser", "run", "HINT_CHOICES"]

#: ``evaluation.HINT_MODES``, spelled out so that ``--help`` imports no evaluation code
#: (a test checks that the two agree).
HINT_CHOICES = ("none", "lrgb2", "lrgb4", "lrgb8", "lrgb16", "wald", "two-band")


def add_parser(subparsers):
    """Add the ``evaluate`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "evaluate",
        parents=[overwrite_options()],
        help="score colorizers against the classical baselines on a folder of colour images",
        description="Score colorizers by the evaluation protocol: each coloured image of the "
        "split, shrunk to at most 256 px, is colorized from its Rec. 709 luma (and the "
        "measured colour of the --hints mode) and compared with the truth (PSNR, RMSE, SSIM, "
        "CIEDE2000 over all, foreground and coloured pixels, colourfulness ratio), beside the "
        "mode's classical baseline. Prints a table of the means, then the standard errors of "
        "the headline means and each model's paired difference from the baseline.",
    )
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder of colour images")
    parser.add_argument("--model", action="append", metavar="PATH",
                        help="model file; repeat to compare several (default: the shipped model)")
    parser.add_argument("--split", default="test", choices=("test", "train", "validation", "all"),
                        help="images to score (default: test)")
    parser.add_argument("--max-side", type=int, default=256,
                        help="longest side of the scored images (default: 256, the protocol's)")
    parser.add_argument("--tta", action="store_true", help="colorize with 8-fold averaging")
    parser.add_argument("--hints", default="none", choices=HINT_CHOICES,
                        help="measured colour: none (one band, against grey); lrgb2 ... lrgb16 "
                        "(a colour frame 2-16 times coarser), wald (Wald's protocol in linear "
                        "flux: colour frames with a 2x broader PSF, binned 4x, 4x shallower) or "
                        "two-band (blue and red measured): fusion models (--model: fusion model "
                        "files) against every classical fusion, with SAM, ERGAS and chi2")
    parser.add_argument("--path", default="protocol", choices=("protocol", "users"),
                        help="protocol: display-scaled luma as it is; users: linear data with "
                        "sky and noise (a simulated field's own, in its middle filter) through "
                        "the default display scaling, scored on colour alone (default: "
                        "protocol)")
    parser.add_argument("--subject", default="auto", choices=SUBJECT_CHOICES,
                        help="what the models take the images for (default: auto: a simulated "
                        "field on the users' path, whose FITS header names its filter, is a "
                        "field; everything else a photograph)")
    parser.add_argument("--report", metavar="DIR",
                        help="write metrics.rst, per_image.csv and grey | model | truth figures")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize evaluate`` with parsed arguments ``args``."""
    from ..evaluation import evaluate

    if args.max_side < 16:
        raise ValueError(f"--max-side must be at least 16, not {args.max_side}")
    if args.report is not None:
        report = os.fspath(args.report)
        if os.path.lexists(report) and not os.path.isdir(report):
            raise FileExistsError(f"--report needs a folder, but {report} is a file")
        parent = os.path.dirname(os.path.abspath(report))
        if not os.path.isdir(parent):
            raise FileNotFoundError(f"No such directory: {parent} (the folder of --report)")
    result = evaluate(args.data_dir, models=args.model, split=args.split,
                      max_side=args.max_side, report=args.report, tta=args.tta,
                      overwrite=args.overwrite, hints=args.hints, path=args.path,
                      subject=args.subject)
    print(result.table())
    print()
    print(result.uncertainty_table())
    return 0
