"""What a Dask worker runs for one job. Models are loaded once per worker process."""

import os
import threading
from dataclasses import dataclass, field

import numpy as np

from ..io._fits import first_line

__all__ = ["JobSettings", "run_job", "split_colorize_options"]

#: Options of `~astro_colorgan.Colorizer.colorize_file` that belong to each input;
#: all the other colorize options configure the `~astro_colorgan.Colorizer`.
CALL_OPTIONS = ("hdu", "plane")

# one Colorizer per (model file, device, options) in each worker process
_COLORIZERS = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class JobSettings:
    """Everything a worker needs besides the input: sent once with every task."""

    mode: str
    model: str
    device: str = "cpu"
    threads: int = 0
    overwrite: bool = False
    colorize: dict = field(default_factory=dict)
    stack: dict = field(default_factory=dict)


def split_colorize_options(options):
    """The colorize options of a batch as those of the `~astro_colorgan.Colorizer`
    (stretch, Q, tile, overlap, tta, ...) and those of each call (`CALL_OPTIONS`).

    Returns
    -------
    setup, call : dict
    """
    setup = {key: value for key, value in options.items() if key not in CALL_OPTIONS}
    call = {key: value for key, value in options.items() if key in CALL_OPTIONS}
    return setup, call


def _colorizer(settings, options):
    """The process's `~astro_colorgan.Colorizer` of the model configured with ``options``."""
    import pickle

    from ..colorize import Colorizer

    # the settings arrive unpickled with every task: equal options, equal bytes
    key = (settings.model, settings.device, pickle.dumps(sorted(options.items())))
    with _LOCK:
        if key not in _COLORIZERS:
            if settings.threads:
                import torch

                torch.set_num_threads(settings.threads)
            _COLORIZERS[key] = Colorizer(settings.model, device=settings.device, **options)
        return _COLORIZERS[key]


def run_job(sources, output, settings):
    """Process one job and report; bad input is reported, never raised.

    Parameters
    ----------
    sources : tuple of str
        The input file (``colorize``) or the filter images of one field
        (``stack-then-colorize``).
    output : str
        The FITS file to write (whole, through a temporary file).
    settings : `JobSettings`

    Returns
    -------
    result : dict
        ``output`` and ``error`` (None, or the one-line reason), and
        ``note``.
    """
    if os.path.exists(output) and not settings.overwrite:
        # the batch checked that no output existed before it started: this one was
        # written by an earlier attempt at this task, on a worker that then died
        return {"output": output, "error": None, "note": "written by an earlier attempt"}
    try:
        setup, call = split_colorize_options(settings.colorize)
        if settings.mode == "colorize":
            _colorizer(settings, setup).colorize_file(sources[0], output,
                                                      overwrite=settings.overwrite, **call)
        else:
            # the composite is display-scaled already
            colorizer = _colorizer(settings, dict(setup, stretch=None))
            _stack_then_colorize(colorizer, sources, output, settings)
    except (ValueError, OSError) as exc:
        # errors in the input are reported; anything else is a bug, and fails the task
        # with its traceback (reported by the batch with the exception's type)
        return {"output": output, "error": first_line(exc) or type(exc).__name__, "note": ""}
    return {"output": output, "error": None, "note": ""}


def _stack_then_colorize(colorizer, sources, output, settings):
    """Stack the filters, then colorize the luminance of the composite."""
    from astropy.nddata import NDData

    from ..composite import stack
    from ..io import check_output_path, write_fits
    from ..io._fitsout import add_history
    from ..colorspace import rgb_to_luma

    check_output_path(output, overwrite=settings.overwrite)
    composite = stack(list(sources), **settings.stack)
    luma = np.nan_to_num(rgb_to_luma(composite.rgb)).astype(np.float32)
    image = NDData(luma, mask=~composite.footprint, wcs=composite.wcs)
    hdul = colorizer.colorize(image).to_hdulist()
    add_history(hdul[0].header, ["the luminance colorized is that of this stack:"]
                + composite.history)
    write_fits(hdul, output, overwrite=settings.overwrite)
