"""``astro-colorize stack``: a colour composite of FITS images in several filters."""

from ._options import (INTERPOLATION_ORDERS, STACK_STRETCHES, device_options, hdu_options,
                       model_options, overwrite_options)

__all__ = ["add_parser", "run"]


def _float_list(text):
    """Parse ``'1,0.8,1.2'`` into floats (for ``--weights``)."""
    import argparse

    try:
        return [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, not {text!r}"
        ) from None


def add_parser(subparsers):
    """Add the ``stack`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "stack",
        parents=[hdu_options(), model_options(), device_options(), overwrite_options()],
        help="colour composite of FITS images in several filters",
        description="Align FITS images of several filters on one grid (reproject), subtract "
        "their sky background (photutils) and combine them into a colour image with a "
        "colour-preserving asinh stretch (Lupton et al. 2004). Filters are given blue to red: "
        "3 filters map to B, G, R; 2 get a synthesised green; more are tinted along the "
        "spectrum.",
    )
    parser.add_argument("filters", nargs="+", metavar="FILTER",
                        help="FITS images, blue to red ('file.fits[1]' selects an HDU)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="output: .fits for a (3, ny, nx) R, G, B cube with WCS and "
                        "HISTORY, or .png/.jpg/.tif for an image with AVM tags")
    parser.add_argument("--png", metavar="FILE", help="also write a PNG image with AVM tags")
    parser.add_argument("--reference", metavar="FILE",
                        help="FITS image whose pixel grid is used (default: north up, covering "
                        "all filters at the finest pixel scale)")
    parser.add_argument("--no-background", dest="background", action="store_false",
                        help="do not subtract the sky background")
    parser.add_argument("--stretch", choices=STACK_STRETCHES, default="asinh",
                        help="stretch (default: asinh)")
    parser.add_argument("--Q", type=float, default=8.0,
                        help="asinh softening Q: asinh(Q x) / asinh(Q) (default: 8)")
    parser.add_argument("--upper-percentile", type=float, default=99.5, metavar="P",
                        help="percentile of the intensity that maps to white (default: 99.5)")
    parser.add_argument("--min-snr", type=float, default=50.0, metavar="S",
                        help="white is at least S sky standard deviations above the sky "
                        "(default: 50; keeps the noise dark in sparse fields)")
    parser.add_argument("--per-filter", dest="linked", action="store_false",
                        help="stretch each filter on its own instead of the colour-preserving "
                        "linked stretch")
    parser.add_argument("--weights", type=_float_list, metavar="W1,W2,...",
                        help="a factor for each filter, comma-separated")
    parser.add_argument("--order", choices=INTERPOLATION_ORDERS,
                        default="bilinear", help="interpolation of the reprojection")
    parser.add_argument("--exact", action="store_true",
                        help="flux-conserving reprojection (reproject_exact; slow)")
    parser.add_argument("--no-wcs", dest="allow_no_wcs", action="store_true",
                        help="accept filters without celestial WCS that share one pixel grid")
    parser.add_argument("--complete", action="store_true",
                        help="with two filters: predict the missing middle filter with the "
                        "guided colorizer (--model, --device; keeping the two measured ones) "
                        "instead of taking their mean")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize stack`` with parsed arguments ``args``."""
    from astropy import log

    from ..composite import SkyPercentileInterval, stack
    from ..io._files import check_outputs, is_fits_name, output_group
    from ..io._images import image_format

    outputs = [args.output] + ([args.png] if args.png else [])
    if args.png and image_format(args.png) != "PNG":
        raise ValueError(f"--png needs a .png file name, not {args.png}")
    # refuse before any work: unknown formats, inputs, existing files, unwritable folders
    for path in outputs:
        if not is_fits_name(path):
            image_format(path)
    check_outputs(outputs, inputs=[args.filters, args.reference], overwrite=args.overwrite)
    if args.complete and len(args.filters) != 2:
        raise ValueError(f"--complete predicts the third filter of two; "
                         f"{len(args.filters)} given")
    colorizer = None
    if args.complete:  # the model is checked before any work
        from ..colorize import Colorizer

        colorizer = Colorizer(args.model, device=args.device)

    composite = stack(
        args.filters,
        reference=args.reference,
        background=args.background,
        stretch=args.stretch,
        Q=args.Q,
        interval=SkyPercentileInterval(args.upper_percentile, min_snr=args.min_snr),
        linked=args.linked,
        weights=args.weights,
        hdu=args.hdu,
        plane=args.plane,
        order=args.order,
        exact=args.exact,
        allow_no_wcs=args.allow_no_wcs,
    )
    if colorizer is not None:
        composite = colorizer.complete(composite)
    with output_group():  # every output or none
        for path in outputs:
            if is_fits_name(path):
                composite.write_fits(path, overwrite=args.overwrite)
            else:
                composite.write_image(path, overwrite=args.overwrite)
    log.info(f"wrote {' and '.join(outputs)}")
    return 0
