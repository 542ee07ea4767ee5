"""``astro-colorize colorize``: predicted colour for a single-band FITS image."""

from ._options import (device_options, display_options, hdu_options, model_options,
                       overwrite_options, tiling_options)

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    """Add the ``colorize`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "colorize",
        parents=[model_options(), device_options(), display_options(), tiling_options(),
                 hdu_options(), overwrite_options()],
        help="predict colour for a single-band image with the GAN colorizer",
        description="Predict colour for a single-band FITS image with a trained colorizer "
        "(default: the model shipped with the package). The output keeps the input's WCS and "
        "luminance; its HISTORY says that the colours were predicted by a machine-learning "
        "model, not measured.",
    )
    parser.add_argument("input", metavar="IN", help="single-band FITS image ('file.fits[1]' "
                        "selects an HDU)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output FITS file: a (3, ny, nx) R, G, B cube with WCS and HISTORY")
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
    from ..io import check_fits_name, check_output_path, image_format, write_rgb_image

    check_fits_name(args.output)
    if args.png and image_format(args.png) != "PNG":
        raise ValueError(f"--png needs a .png file name, not {args.png}")
    check_output_path(args.output, overwrite=args.overwrite)
    if args.png:
        check_output_path(args.png, overwrite=args.overwrite)
    colorizer = (Colorizer.from_file(args.model, device=args.device) if args.model
                 else Colorizer.pretrained(device=args.device))
    hdu = int(args.hdu) if args.hdu is not None and args.hdu.isdigit() else args.hdu
    stretch = None if args.stretch == "none" else args.stretch
    # FITS files are colorized band by band: memory follows the tile, not the image
    colorizer.colorize_file(args.input, args.output, stretch=stretch, Q=args.Q, tile=args.tile,
                            overlap=args.overlap, tta=args.tta, hdu=hdu, plane=args.plane,
                            overwrite=args.overwrite)
    log.info(f"wrote {args.output}")
    if args.png:
        from astropy.io import fits
        from astropy.wcs import WCS

        import numpy as np

        with fits.open(args.output) as hdul:
            rgb = np.moveaxis(hdul[0].data, 0, -1)
            wcs = WCS(hdul[0].header).celestial if hdul[0].header.get("CTYPE1") else None
            write_rgb_image(rgb, args.png, wcs=wcs, overwrite=args.overwrite)
        log.info(f"wrote {args.png}")
    return 0
