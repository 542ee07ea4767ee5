"""`ColorizedImage`: what the colorizer returns, and the FITS header of its output."""

from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from ..composite import RGBImage
from ..io._fitsout import fits_text, rgb_cube_header
from ..io._fitsout import wcs_header

__all__ = ["ColorizedImage", "PREDICTED_COLOURS_NOTE", "colorized_header", "predicted_green_note"]

#: The HISTORY line that every colorized file of a single band carries.
PREDICTED_COLOURS_NOTE = ("COLOURS PREDICTED by a machine-learning model from one band; "
                          "they are NOT MEASURED and carry no photometric meaning.")

_KEPT_KEYWORDS = ("OBJECT", "TELESCOP", "INSTRUME", "FILTER", "DATE-OBS", "MJD-OBS",
                  "EXPTIME", "OBSERVER", "BUNIT")


def predicted_green_note(names, *, model_name, model_sha256=None):
    """The HISTORY line of two filters of three: red and blue measured, green predicted.

    Parameters
    ----------
    names : list of str
        The two measured filters, blue to red.
    model_name : str
        The model file's name.
    model_sha256 : str, optional
        The model file's SHA-256.

    Returns
    -------
    str

    Examples
    --------
    >>> print(predicted_green_note(["g.fits", "i.fits"], model_name="m.safetensors"))
    ... # doctest: +NORMALIZE_WHITESPACE
    COLOUR MEASURED in channels R, B from g.fits, i.fits; channel G PREDICTED by the
    machine-learning model m.safetensors (sha256 unknown), not measured.
    """
    return (f"COLOUR MEASURED in channels R, B from {', '.join(names)}; channel G PREDICTED "
            f"by the machine-learning model {model_name} (sha256 {model_sha256 or 'unknown'}), "
            "not measured.")


def colorized_header(shape, *, wcs, source_header, history, model_name, fusion_note=None):
    """The primary header of a colorized cube: WCS, kept keywords and provenance.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)``.
    wcs : `~astropy.wcs.WCS` or None
        The luminance's celestial WCS.
    source_header : `~astropy.io.fits.Header`
        The luminance's header: OBJECT, FILTER, DATE-OBS and a few more are kept.
    history : list of str
        Provenance lines (see `~astro_colorgan.io.provenance_history`).
    model_name : str
        The model file's name.
    fusion_note : str, optional
        The HISTORY line of colour fused from colour frames (guided colour).

    Returns
    -------
    `~astropy.io.fits.Header`
    """
    history = list(history)
    if fusion_note is not None:
        history.append(fusion_note)
    else:
        history.append(PREDICTED_COLOURS_NOTE)
    out = rgb_cube_header(shape, wcs=wcs, history=history)
    for key in _KEPT_KEYWORDS:
        if key in source_header:
            out[key] = source_header[key]
    if fusion_note is not None:
        out["COLORSRC"] = ("FUSED", "colour frames fused with the deep frame")
        out["COLORMSR"] = ("R, G, B", "colour channels measured")
    else:
        out["COLORSRC"] = ("PREDICTED", "colours predicted by a model, not measured")
    out["COLORMOD"] = (fits_text(model_name)[:60], "colorizer model file")
    return out


@dataclass(eq=False, repr=False, kw_only=True)
class ColorizedImage(RGBImage):
    """A colour image predicted (in part or whole) by the colorizer, on the input's grid.

    An `~astro_colorgan.composite.RGBImage` (``rgb``, ``wcs``, ``names``,
    ``history``, ``to_hdulist``, ``write_fits``, ``write_image``, ``plot``)
    with the planes the colorizer saw and made. Its FITS form is a primary
    float32 ``(3, ny, nx)`` cube (planes R, G, B) under `header` (the input's
    celestial WCS, some of its keywords and HISTORY cards: package version,
    input, model and its SHA-256, every option, and what was measured and
    what predicted), an image extension ``CHROMA_SPREAD`` with the
    `uncertainty` (``tta``), and ``MEASURED`` with the weight of measured
    colour (colour given).

    Attributes
    ----------
    rgb : `~numpy.ndarray`
        float32 ``(ny, nx, 3)`` R, G, B in [0, 1], row order as the input's
        (row 0 at the bottom for FITS data); NaN where the input has no data.
        A view of a ``(3, ny, nx)`` cube.
    luminance : `~numpy.ndarray`
        float32 ``(ny, nx)``: the display-scaled luminance the model saw (the
        output's Rec. 709 luma wherever the luminance was measured); NaN
        where there are no data.
    chroma : `~numpy.ndarray`
        float32 ``(2, ny, nx)``: the Cb, Cr planes of the output.
    wcs : `~astropy.wcs.WCS` or None
        The input's celestial WCS.
    header : `~astropy.io.fits.Header`
        The primary header of the output cube (WCS, kept keywords, HISTORY).
    uncertainty : `~numpy.ndarray` or None
        float32 ``(ny, nx)`` spread of the chroma over the 8 rotations/flips
        (``tta=True``): larger means less certain colour.
    measured : `~numpy.ndarray` or None
        float32 ``(ny, nx)`` weight in [0, 1] of measured colour (the
        colour frames' coverage) when colour was given; 0 means the colour
        there is entirely the model's prediction.
    bands : `~numpy.ndarray` or None
        float32 ``(3, ny, nx)``: the fused linear bands R, G, B (the colour
        frames red to blue) on the input's grid, in the colour frames' own
        units, when colour frames of linear data were fused; the ``BANDS``
        extension of the FITS output.
    name : str
        The input's name.
    names : list of str
        ``[name]``.
    history : list of str
        Provenance (the HISTORY of ``header``).
    """

    luminance: np.ndarray
    chroma: np.ndarray
    header: fits.Header
    uncertainty: np.ndarray = None
    measured: np.ndarray = None
    bands: np.ndarray = None
    name: str = "image"

    def _primary_header(self):
        return self.header

    def _repr_details(self):
        """Where the colour was measured and where predicted, in words."""
        if self.measured is None:
            return ["colour=predicted"]
        share = float(np.mean(np.asarray(self.measured) > 0))
        return [f"colour=measured on {share:.0%}"
                + (f", predicted on {1 - share:.0%}" if share < 1 else "")]

    def _extensions(self):
        """``CHROMA_SPREAD`` with the `uncertainty` (``tta``), ``MEASURED`` with the
        weight of measured colour (colour given) and ``BANDS`` with the fused linear
        bands, where there are such planes."""
        hdus = []
        for name, plane, unit, lines in (
                ("CHROMA_SPREAD", self.uncertainty,
                 ("", "standard deviation of chroma (Cb, Cr) over 8 rotations/flips"),
                 ["colour uncertainty: spread of the predicted chroma",
                  "over the 8 rotations/flips of the input"]),
                ("MEASURED", self.measured, ("", "weight of measured colour, 0 to 1"),
                 ["1 where the colour was measured by the colour frames,",
                  "0 where it is the model's prediction alone"]),
                ("BANDS", self.bands, (self.header.get("BUNIT", ""), "colour frames' units"),
                 ["fused linear bands R, G, B on the deep frame's grid: the",
                  "colour frames fused with the deep frame (pan-sharpening),",
                  "in the colour frames' own units"])):
            if plane is None:
                continue
            hdu = fits.ImageHDU(np.asarray(plane, np.float32), name=name)
            if self.wcs is not None:
                hdu.header.update(wcs_header(self.wcs))
            hdu.header["BUNIT"] = unit
            for line in lines:
                hdu.header.add_history(line)
            hdus.append(hdu)
        return hdus

