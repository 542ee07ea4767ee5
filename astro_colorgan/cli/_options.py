"""Options shared by several subcommands, as argparse parent parsers with one default each.

Only the standard library is imported here: ``astro-colorize --help`` must
not pay for torch, dask or reproject. The choices that name library values are
checked against the library in the tests (``tests/test_bad_inputs.py``).
"""

import argparse

__all__ = [
    "DEVICES",
    "DISPLAY_STRETCHES",
    "INTERPOLATION_ORDERS",
    "BATCH_MODES",
    "SUBJECT_CHOICES",
    "filter_list",
    "STACK_STRETCHES",
    "device_options",
    "display_options",
    "hdu_options",
    "model_options",
    "overwrite_options",
    "progress_options",
    "tiling_options",
]

#: ``--device`` choices (``resolve_device``)
DEVICES = ("auto", "cpu", "cuda")
#: ``--stretch`` of the colorizer's display scaling; 'none' for data already in [0, 1]
DISPLAY_STRETCHES = ("asinh", "linear", "none")
#: `astro_colorgan.composite.STRETCHES`
STACK_STRETCHES = ("asinh", "linear", "sqrt", "log", "sinh")
#: ``INTERPOLATION_ORDERS``
INTERPOLATION_ORDERS = ("nearest-neighbor", "bilinear", "biquadratic", "bicubic")
#: `astro_colorgan.batch._inputs.MODES`
BATCH_MODES = ("colorize", "stack-then-colorize")
#: ``--subject``: ``Colorizer(subject=...)``
SUBJECT_CHOICES = ("auto", "photograph", "field")


def _parent():
    return argparse.ArgumentParser(add_help=False)


def device_options():
    """``--device``: where the model runs."""
    parser = _parent()
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where the model runs (default: auto, a GPU if there is one)")
    return parser


def overwrite_options():
    """``--overwrite``."""
    parser = _parent()
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    return parser


def model_options():
    """``--model``: a model file."""
    parser = _parent()
    parser.add_argument("--model", metavar="PATH",
                        help="model file (.safetensors) from 'astro-colorize train' "
                        "(default: the shipped model)")
    return parser


def display_options():
    """``--stretch`` and ``--Q`` of the colorizer's display scaling, ``--subject`` and
    ``--filters``."""
    parser = _parent()
    parser.add_argument("--stretch", default="asinh", choices=DISPLAY_STRETCHES,
                        help="display scaling of the data before colorizing; 'none' for data "
                        "already scaled to [0, 1] (default: asinh)")
    parser.add_argument("--Q", type=float, default=8.0, help="asinh softening (default: 8)")
    parser.add_argument("--subject", default="auto", choices=SUBJECT_CHOICES,
                        help="what the image is, for predicted colour: a deep-sky colour "
                        "photograph, or a broadband survey field; auto takes FITS images whose "
                        "FILTER keyword names a broadband filter for fields (default: auto)")
    parser.add_argument("--filters", type=filter_list, metavar="F1,F2[,F3]",
                        help="for a field: the filters, blue to red, whose composite its colour "
                        "is to look like, by name or wavelength in nm (e.g. g,r,i or "
                        "F435W,F606W,F814W; default: about g, r, i around the image's filter)")
    return parser


def filter_list(text):
    """``--filters``: comma-separated filter names or wavelengths in nm."""
    items = [item.strip() for item in text.split(",")]
    if len(items) < 2 or not all(items):
        raise argparse.ArgumentTypeError(f"expected two or more comma-separated filters, not "
                                         f"{text!r}")
    out = []
    for item in items:
        try:
            out.append(float(item))
        except ValueError:
            out.append(item)
    return out


def tiling_options():
    """``--tile`` and ``--overlap`` of the colorizer."""
    parser = _parent()
    parser.add_argument("--tile", type=int, default=1024,
                        help="tile size in pixels for large images, a multiple of 16 "
                        "(default: 1024)")
    parser.add_argument("--overlap", type=int, default=64,
                        help="overlap of neighbouring tiles in pixels (default: 64)")
    return parser


def hdu_options():
    """``--hdu`` and ``--plane``: which image of a file to read."""
    parser = _parent()
    parser.add_argument("--hdu", metavar="N",
                        help="HDU (index or EXTNAME) to read from files with several images")
    parser.add_argument("--plane", type=int, metavar="K", help="plane of a 3-D image to read")
    return parser


def progress_options():
    """``--no-progress``."""
    parser = _parent()
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="do not show the progress bar")
    return parser
