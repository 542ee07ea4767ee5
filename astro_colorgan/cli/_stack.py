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


def _stretch_arg(text):
    """``--stretch``: a name, or a number (make_lupton_rgb's linear stretch)."""
    import argparse

    if text.lower() in STACK_STRETCHES:
        return text.lower()
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(STACK_STRETCHES)} or a number (make_lupton_rgb's "
            f"linear stretch), not {text!r}"
        ) from None


def _saturation_arg(text):
    """``--saturation``: levels, one for all or one per filter; 'auto' keeps the header's."""
    import argparse

    levels = []
    for item in text.split(","):
        item = item.strip()
        if item.lower() in ("auto", "header"):
            levels.append(None)
            continue
        try:
            levels.append(float(item))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated levels (or 'auto'), not {text!r}") from None
    return levels


def _colour_text(text):
    """A colour of ``--mapping``: a name, R/G/B, or 'r:g:b' numbers."""
    if ":" in text:
        return tuple(float(value) for value in text.split(":"))
    return text


def _mapping_arg(text):
    """``--mapping``: SHO, 'Ha=red,OIII=cyan' or a matrix '0,0,1;0,1,0;1,0,0'."""
    import argparse

    text = text.strip()
    try:
        if "=" in text:
            mapping = {}
            for item in text.split(","):
                key, _, colour = item.partition("=")
                key = key.strip()
                mapping[int(key) if key.isdigit() else key] = _colour_text(colour.strip())
            return mapping
        if ";" in text or "," in text:
            return [[float(value) for value in row.split(",")] for row in text.split(";")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a mapping name (SHO, HSO, HOO), FILTER=COLOUR pairs or matrix rows "
            f"'r,g,b;r,g,b;...', not {text!r}") from None
    return text


def _white_balance(text):
    """``--white-balance``: 'stars', gains 'g1,g2,...' or a catalogue table file."""
    import os

    if text is None or text.strip().lower() == "stars":
        return None if text is None else "stars"
    try:
        return [float(item) for item in text.split(",")]
    except ValueError:
        pass
    if not os.path.exists(text):
        raise FileNotFoundError(f"No such file: {text} (the --white-balance catalogue; or give "
                                "'stars' or one gain per filter)")
    from astropy.io.registry import IORegistryError
    from astropy.table import Table

    try:
        return Table.read(text)
    except (OSError, ValueError, TypeError, IORegistryError) as exc:
        raise OSError(f"cannot read the --white-balance catalogue {text}: {exc}") from None


def add_parser(subparsers):
    """Add the ``stack`` subcommand to the ``astro-colorize`` sub-parsers."""
    parser = subparsers.add_parser(
        "stack",
        parents=[hdu_options(), model_options(), device_options(), overwrite_options()],
        help="colour composite of FITS images in several filters",
        description="Align FITS images of several filters on one grid (reproject), subtract "
        "their sky background (photutils) and combine them into a colour image with a "
        "colour-preserving asinh stretch (Lupton et al. 2004). Filters are given blue to red "
        "(or with --red, --green, --blue): 3 filters map to B, G, R; 2 get a synthesised "
        "green; more are tinted along the spectrum; --mapping sets narrowband palettes (SHO, "
        "HOO, ...). Saturated star cores take the colour of the ring around them.",
    )
    parser.add_argument("filters", nargs="*", metavar="FILTER",
                        help="FITS images, blue to red ('file.fits[1]' selects an HDU); a "
                        "warning says when their PHOTPLAM/FILTER keywords show another order")
    parser.add_argument("--red", metavar="FILE",
                        help="instead of FILTER...: the image for red (with --blue, and "
                        "--green or their mean)")
    parser.add_argument("--green", metavar="FILE", help="the image for green")
    parser.add_argument("--blue", metavar="FILE", help="the image for blue")
    parser.add_argument("--mapping", type=_mapping_arg, metavar="MAPPING",
                        help="which filter goes to which colour: SHO ([SII] red, H-alpha "
                        "green, [OIII] blue), HSO (H-alpha, [SII], [OIII]), HOO (H-alpha red, "
                        "[OIII] green and blue), OHS, or any three of S, H, O, N, B; filters "
                        "are recognised by their FILTER keywords, else taken blue to red. Or "
                        "FILTER=COLOUR pairs ('Ha=red,OIII=cyan,SII=1:0.5:0') or one row of "
                        "R,G,B weights per filter ('0,0,1;0,1,0;1,0,0'). No grey balance: "
                        "use --weights")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="output: .fits for a (3, ny, nx) R, G, B cube with WCS and "
                        "HISTORY, or .png/.jpg/.tif for an image with AVM tags")
    parser.add_argument("--png", metavar="FILE", help="also write a PNG image with AVM tags")
    parser.add_argument("--reference", metavar="FILE",
                        help="FITS image whose pixel grid is used (default: north up, covering "
                        "all filters at the finest pixel scale)")
    parser.add_argument("--no-background", dest="background", action="store_false",
                        help="do not subtract the sky background")
    parser.add_argument("--stretch", type=_stretch_arg, default="asinh",
                        metavar="{" + ",".join(STACK_STRETCHES) + "} or NUMBER",
                        help="stretch (default: asinh); a number is make_lupton_rgb's linear "
                        "stretch, in the data's units, with --minimum and --Q as there")
    parser.add_argument("--Q", type=float, default=8.0,
                        help="asinh softening Q: asinh(Q x) / asinh(Q) (default: 8); with a "
                        "numeric --stretch, make_lupton_rgb's Q")
    parser.add_argument("--minimum", type=_float_list, metavar="M or MR,MG,MB",
                        help="with a numeric --stretch: make_lupton_rgb's black level, one "
                        "or one per R, G, B (default: 0)")
    parser.add_argument("--upper-percentile", type=float, default=None, metavar="P",
                        help="percentile of the intensity that maps to white (default: 99.5)")
    parser.add_argument("--min-snr", type=float, default=None, metavar="S",
                        help="white is at least S sky standard deviations above the sky "
                        "(default: 50; keeps the noise dark in sparse fields)")
    parser.add_argument("--saturation", type=_saturation_arg, metavar="L or L1,L2,...",
                        help="saturation levels in the data's units, one for all filters or "
                        "one per filter ('auto': the header's); saturated cores take the "
                        "colour of the unsaturated ring around them (default: from SATURATE/"
                        "SATLEVEL keywords where there are any)")
    parser.add_argument("--no-saturation", dest="no_saturation", action="store_true",
                        help="do not recolour saturated cores")
    parser.add_argument("--white-balance", metavar="stars|G1,G2,...|TABLE",
                        help="colour calibration: 'stars' makes the field's median star "
                        "neutral; a table file (ECSV, FITS, VOTable...) of stars with ra, dec "
                        "and a magnitude column per filter (named after FILTER: g or mag_g) "
                        "gives them their catalogue colours; or one gain per filter. The "
                        "gains and the star colour scatter go to HISTORY and the log")
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

    channels = [args.red, args.green, args.blue]
    named = any(path is not None for path in channels)
    if named and args.filters:
        raise ValueError("give either FILTER... (blue to red) or --red/--green/--blue, not "
                         "both")
    if not named and not args.filters:
        raise ValueError("no filters given: FILTER... (blue to red) or --red, --green, "
                         "--blue")
    if named and (args.red is None or args.blue is None):
        raise ValueError("give --red and --blue (and --green, which is otherwise their mean)")
    if named and args.mapping is not None:
        raise ValueError("--red/--green/--blue already say which filter goes where; give "
                         "--mapping with FILTER... instead")
    inputs = args.filters or [path for path in (args.blue, args.green, args.red) if path]
    lupton = isinstance(args.stretch, float)
    if lupton and (args.upper_percentile is not None or args.min_snr is not None):
        raise ValueError("--upper-percentile and --min-snr go with a named --stretch; a "
                         "numeric --stretch is make_lupton_rgb's (with --minimum and --Q)")
    if not lupton and args.minimum is not None:
        raise ValueError("--minimum is make_lupton_rgb's and goes with a numeric --stretch "
                         "(e.g. --stretch 5)")
    if args.no_saturation and args.saturation is not None:
        raise ValueError("--saturation and --no-saturation contradict each other")
    saturation = False if args.no_saturation else args.saturation
    if isinstance(saturation, list) and len(saturation) == 1:
        saturation = saturation[0]
    white_balance = _white_balance(args.white_balance)
    interval = None if lupton else SkyPercentileInterval(
        99.5 if args.upper_percentile is None else args.upper_percentile,
        min_snr=50.0 if args.min_snr is None else args.min_snr)

    outputs = [args.output] + ([args.png] if args.png else [])
    if args.png and image_format(args.png) != "PNG":
        raise ValueError(f"--png needs a .png file name, not {args.png}")
    # refuse before any work: unknown formats, inputs, existing files, unwritable folders
    for path in outputs:
        if not is_fits_name(path):
            image_format(path)
    check_outputs(outputs, inputs=[inputs, args.reference], overwrite=args.overwrite)
    if args.complete and len(inputs) != 2:
        raise ValueError(f"--complete predicts the third filter of two; "
                         f"{len(inputs)} given")
    colorizer = None
    if args.complete:  # the model is checked before any work
        from ..colorize import Colorizer

        colorizer = Colorizer(args.model, device=args.device)

    if named:
        filters, keywords = None, dict(zip(("red", "green", "blue"), channels))
    else:
        filters, keywords = args.filters, {"mapping": args.mapping}
    composite = stack(
        filters,
        **keywords,
        reference=args.reference,
        background=args.background,
        stretch=args.stretch,
        Q=args.Q,
        minimum=args.minimum,
        interval=interval,
        saturation=saturation,
        white_balance=white_balance,
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
