"""``astro-colorize samples``: the sample FITS files shipped with the package, into a folder."""

from ._options import overwrite_options

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``samples`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "samples",
        parents=[overwrite_options()],
        help="write the sample FITS files shipped with the package into a folder",
        description="Write the sample FITS files shipped with the package into DIR (created "
        "if missing): sample_g.fits, sample_r.fits and sample_i.fits (one galaxy field in "
        "three filters, each on its own pixel grid, with WCS) and sample_single.fits (one "
        "band of another field), to try the other commands on. Existing files are not "
        "replaced unless --overwrite is given.",
    )
    parser.add_argument("directory", metavar="DIR", help="folder to write the samples into")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize samples`` with parsed arguments ``args``."""
    import os
    import shutil

    from astropy import log

    from ..data import SAMPLES, get_sample_path

    directory = os.fspath(args.directory)
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise FileExistsError(f"{directory} is a file, not a folder")
    targets = [os.path.join(directory, name) for name in SAMPLES]
    if not args.overwrite:
        existing = [path for path in targets if os.path.lexists(path)]
        if existing:  # checked before anything is written
            raise FileExistsError(f"File {existing[0]} already exists; use overwrite=True to "
                                  "replace it")
    os.makedirs(directory, exist_ok=True)
    for name, target in zip(SAMPLES, targets):
        shutil.copyfile(get_sample_path(name), target)
    log.info(f"wrote {', '.join(targets)}")
    return 0
