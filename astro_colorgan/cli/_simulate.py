"""``astro-colorize simulate``: simulated multi-filter fields with physical colours (GalSim)."""

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``simulate`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulated multi-filter fields of galaxies and stars (needs GalSim)",
        description="Simulate fields of galaxies (bulge + disc with their own spectra, "
        "star-forming knots, dust, redshift) and stars with GalSim, one FITS image per "
        "filter in nJy with a celestial WCS, and write them as OUTDIR/field_0000/<FILTER>.fits "
        "... with a catalogue of the objects (catalog.ecsv) per field. "
        "'astro-colorize stack' of a field's files, blue to red, is its true-colour composite.",
    )
    parser.add_argument("outdir", metavar="OUTDIR",
                        help="output folder (created; must be empty unless --overwrite)")
    parser.add_argument("--n", type=int, default=1, help="number of fields (default: 1)")
    parser.add_argument("--filters", nargs="+", default=["F435W", "F606W", "F814W"],
                        metavar="FILTER",
                        help="filters of one instrument, blue to red: HST ACS F435W F606W F775W "
                        "F814W F850LP, or LSST u g r i z y"
                        + " (default: F435W F606W F814W)")
    parser.add_argument("--size", type=int, default=256,
                        help="fields are SIZE x SIZE pixels (default: 256, at least 32)")
    parser.add_argument("--seed", type=int, help="seed of the run (default: a fresh one)")
    parser.add_argument("--pixel-scale", type=float, metavar="ARCSEC",
                        help="pixel scale (default: 0.05 for ACS, 0.2 for LSST)")
    parser.add_argument("--mag-limit", type=float, metavar="MAG",
                        help="faintest LSST i magnitude drawn (default: 28 for ACS, 27 for LSST)")
    parser.add_argument("--no-dust", dest="dust", action="store_false",
                        help="no dust reddening of the discs")
    parser.add_argument("--no-stars", dest="stars", action="store_false", help="no stars")
    parser.add_argument("--no-noise", dest="noise", action="store_false",
                        help="no photon noise (the sky level is still added)")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="worker processes (default: 1)")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into a non-empty OUTDIR, replacing fields of the same names")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize simulate`` with parsed arguments ``args``."""
    import importlib.util

    from ..datasets import simulate_fields

    if importlib.util.find_spec("galsim") is None:  # a missing extra: one line, exit 2
        raise OSError("simulate needs GalSim: pip install 'astro-colorgan[simulate]'")
    simulate_fields(args.outdir, args.n, args.filters, size=args.size, seed=args.seed,
                    overwrite=args.overwrite, processes=args.processes,
                    pixel_scale=args.pixel_scale, mag_limit=args.mag_limit, dust=args.dust,
                    stars=args.stars, noise=args.noise)
    return 0
