"""``astro-colorize batch``: many images at once on a Dask cluster."""

import sys

from ._options import (BATCH_MODES, device_options, display_options, model_options,
                       overwrite_options, progress_options, tiling_options)

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``batch`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "batch",
        parents=[model_options(), device_options(), display_options(), tiling_options(),
                 progress_options(), overwrite_options()],
        help="colorize many images on a Dask cluster",
        description="Colorize many FITS images, or stack then colorize many fields, on a "
        "Dask cluster: by default a local cluster with one worker process per CPU core. "
        "Each input is processed once, each worker loads the model once, outputs are written "
        "whole. Failures are listed at the end without stopping the rest. Exit status: 0 when "
        "every file succeeded, 1 when some failed, 2 when nothing could run.",
    )
    parser.add_argument("inputs", nargs="+", metavar="GLOB_OR_LIST",
                        help="quoted glob pattern such as 'data/ngc*.fits', or a list file "
                        "(.txt, .lst, .list) with one input per line; in stack-then-colorize "
                        "mode a line "
                        "holds the filter images of one field, and a pattern may match folders")
    parser.add_argument("--out-dir", required=True, metavar="DIR",
                        help="folder for the outputs NAME.fits (created if missing)")
    parser.add_argument("--mode", default="colorize", choices=BATCH_MODES,
                        help="colorize each image, or stack each field's filters and colorize "
                        "the composite's luminance (default: colorize)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="submit to a running Dask scheduler (e.g. tcp://host:8786) "
                        "instead of starting a local cluster")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="how long to wait for the scheduler (default: 10)")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize batch`` with parsed arguments ``args``; returns the exit status."""
    from ..batch import run_batch

    stretch = None if args.stretch == "none" else args.stretch
    report = run_batch(args.inputs, args.out_dir, mode=args.mode, model=args.model,
                       workers=args.workers, scheduler=args.scheduler, overwrite=args.overwrite,
                       device=args.device, timeout=args.timeout, progress=args.progress,
                       colorize_options={"stretch": stretch, "Q": args.Q, "tile": args.tile,
                                         "overlap": args.overlap, "subject": args.subject,
                                         "filters": args.filters},
                       stack_options={"Q": args.Q})
    for line in report.summary():
        print(line, file=sys.stderr if line.startswith("failed") else sys.stdout)
    return report.exit_status
