"""``astro-colorize colorize``: colour for a FITS image, guided by measured colour."""

from ._options import (device_options, display_options, hdu_options, model_options,
                       overwrite_options, tiling_options)

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``colorize`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "colorize",
        parents=[model_options(), device_options(), display_options(), tiling_options(),
                 hdu_options(), overwrite_options()],
        help="colour for a deep single-band image, from colour frames where there are some",
        description="Colour for a single-band FITS image (a deep frame or a luminance stack) "
        "with the GAN colorizer (default: the guided model shipped with the package). With "
        "--colour, the measured colour of shallower or coarser colour frames (aligned by WCS) "
        "is used and the model predicts only what is not measured; without it, all of the "
        "colour is predicted. The output keeps the input's WCS and luminance; its HISTORY "
        "says which colour was measured and which predicted, and an extension MEASURED marks "
        "it pixel by pixel.",
    )
    parser.add_argument("input", metavar="IN", help="single-band FITS image ('file.fits[1]' "
                        "selects an HDU)")
    parser.add_argument("--colour", "--color", nargs="+", metavar="FILE",
                        help="measured colour: FITS images of two or more filters, blue to "
                        "red, with WCS (e.g. g r i), or one (3, ny, nx) colour cube with WCS")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output FITS file (.fits): a (3, ny, nx) R, G, B cube with WCS and "
                        "HISTORY (use --png for an image)")
    parser.add_argument("--png", metavar="FILE", help="also write a PNG image with AVM tags")
    parser.add_argument("--tta", action="store_true",
                        help="average the 8 rotations/flips and add a CHROMA_SPREAD extension "
                        "(colour uncertainty)")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run ``astro-colorize colorize`` with parsed arguments ``args``."""
    from astropy import log

    from ..colorize import Colorizer
    from ..io._files import check_outputs, is_fits_name, output_group
    from ..io._images import image_format

    if not is_fits_name(args.output):
        raise ValueError(f"{args.output} is not a FITS file name: -o writes a FITS cube "
                         "(.fits); write a PNG image with --png FILE")
    if args.png and image_format(args.png) != "PNG":
        raise ValueError(f"--png needs a .png file name, not {args.png}")
    check_outputs([args.output, args.png], inputs=[args.input, args.colour],
                  overwrite=args.overwrite)
    colorizer = Colorizer(args.model, device=args.device,
                          stretch=None if args.stretch == "none" else args.stretch, Q=args.Q,
                          tile=args.tile, overlap=args.overlap, tta=args.tta,
                          subject=args.subject, filters=args.filters)
    hdu = int(args.hdu) if args.hdu is not None and args.hdu.isdigit() else args.hdu
    colour = args.colour
    if colour is not None and len(colour) == 1:
        colour = colour[0]  # one colour cube
    if args.png:
        result = colorizer.colorize(args.input, colour=colour, hdu=hdu, plane=args.plane)
        with output_group():  # both files or neither
            result.write_fits(args.output, overwrite=args.overwrite)
            result.write_image(args.png, overwrite=args.overwrite)
        log.info(f"wrote {args.output} and {args.png}")
        return 0
    # a FITS file alone is colorized band by band: memory follows the tile, not the image
    colorizer.colorize_file(args.input, args.output, colour=colour, hdu=hdu, plane=args.plane,
                            overwrite=args.overwrite)
    log.info(f"wrote {args.output}")
    return 0
