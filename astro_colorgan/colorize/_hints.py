"""Measured colour for the guided colorizer: colour frames brought onto the luminance's grid."""

import dataclasses
import math
import os
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from ..io import ImageData, read_image
from ..colorspace import rgb_to_chroma, rgb_to_luma
from ..colorspace._ycbcr import LUMA_EPS, RELATIVE_CHROMA_MAX

__all__ = ["MeasuredColour", "measured_colour", "colour_hints"]


def colour_hints(colour, weight, *, coarseness=1.0, two_band=False):
    """The hint planes of measured colour on the luma's grid.

    Parameters
    ----------
    colour : `numpy.ndarray`
        ``(3, ny, nx)`` display-ready R, G, B of the measured colour, on the
        luma's grid (anything where ``weight`` is 0).
    weight : `numpy.ndarray` or float
        ``(ny, nx)`` weight in [0, 1] of the measurement (0: no colour there).
    coarseness : float
        How many luma pixels one pixel of the colour frame spans (1: the same grid).
    two_band : bool
        Whether one filter of three is missing (its channel synthesised).

    Returns
    -------
    hints : `numpy.ndarray`
        ``(5, ny, nx)`` float32, see ``HINT_CHANNELS``.
    """
    colour = np.nan_to_num(np.asarray(colour, np.float32))
    ny, nx = colour.shape[1:]
    weight = np.broadcast_to(np.asarray(weight, np.float32), (ny, nx))
    relative = rgb_to_chroma(colour, axis=0) / (rgb_to_luma(colour, axis=0) + LUMA_EPS)
    relative = np.clip(relative, -RELATIVE_CHROMA_MAX, RELATIVE_CHROMA_MAX) * weight
    coarse = math.log2(max(1.0, float(coarseness))) / 5.0
    return np.concatenate([relative, weight[None],
                           np.full((1, ny, nx), coarse, np.float32) * (weight > 0),
                           np.full((1, ny, nx), float(two_band), np.float32) * (weight > 0)]
                          ).astype(np.float32)


@dataclass(eq=False)
class MeasuredColour:
    """Measured colour on the luminance's grid, as the guided network takes it.

    Attributes
    ----------
    rgb : `numpy.ndarray`
        ``(3, ny, nx)`` float32 display-ready R, G, B (0 where nothing was measured).
    weight : `numpy.ndarray`
        ``(ny, nx)`` float32 in [0, 1]: 1 where the colour was measured.
    coarseness : float
        How many luminance pixels one pixel of the colour frames spans.
    two_band : bool
        Only two filters were measured; the green between them was synthesised.
    names : list of str
        The colour frames, blue to red (or the one colour image).
    """

    rgb: np.ndarray
    weight: np.ndarray
    coarseness: float = 1.0
    two_band: bool = False
    names: list = field(default_factory=list)

    def planes(self):
        """The hint planes ``(5, ny, nx)`` (``HINT_CHANNELS``)."""
        return colour_hints(self.rgb, self.weight, coarseness=self.coarseness,
                            two_band=self.two_band)

    @property
    def channels(self):
        """Which of R, G, B were measured, e.g. ``'R, G, B'`` or ``'R, B'``."""
        return "R, B" if self.two_band else "R, G, B"


def _pixel_scale(image):
    from astropy.wcs.utils import proj_plane_pixel_scales

    return float(np.sqrt(np.prod(proj_plane_pixel_scales(image.wcs))))


def _rgb_array(colour, shape):
    """An ``(ny, nx, 3)`` display-ready array on the luminance's grid, taken as it is."""
    colour = np.asarray(colour, dtype=np.float32)
    if colour.shape != tuple(shape) + (3,):
        raise ValueError(f"a colour array must have the luminance's shape plus 3 channels, "
                         f"{tuple(shape) + (3,)}, not {colour.shape}")
    finite = np.isfinite(colour)
    values = colour[finite]
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError("a colour array (ny, nx, 3) is taken as display-ready colour and "
                         "must lie in [0, 1]; give FITS images with WCS to have them scaled")
    weight = finite.all(axis=-1).astype(np.float32)
    rgb = np.where(weight[..., None] > 0, colour, 0).astype(np.float32)
    return MeasuredColour(np.ascontiguousarray(np.moveaxis(rgb, -1, 0)), weight,
                          names=["RGB array"])


def _same_grid(colour, luminance):
    """Whether an RGB image lies on the luminance's pixel grid (or has no WCS to say otherwise)."""
    if colour.shape != luminance.shape:
        return False
    if colour.wcs is None or luminance.wcs is None:
        return True
    return bool(colour.wcs.wcs.compare(luminance.wcs.wcs, tolerance=1e-10)) and \
        (colour.wcs.sip is None) == (luminance.wcs.sip is None)


def _rgb_image(colour, luminance):
    """The display-ready colour of an `~astro_colorgan.composite.RGBImage` on the
    luminance's grid: as it is on that grid, else reprojected by WCS (not re-stretched)."""
    from ..align import align_images

    names = list(colour.names) or [type(colour).__name__]
    two_band = len(colour.names) == 2  # a composite of two filters: its green is their mean
    if _same_grid(colour, luminance):
        return dataclasses.replace(_rgb_array(colour.rgb, luminance.shape), names=names,
                                   two_band=two_band)
    if colour.wcs is None or luminance.wcs is None:
        missing = "the colour image" if colour.wcs is None else luminance.name
        raise ValueError(f"{missing} has no celestial WCS and the colour image has another "
                         f"shape than the luminance {luminance.shape}: the colour cannot be "
                         "put on its grid")
    planes = [ImageData(plane, ~np.isfinite(plane), wcs=colour.wcs, name=f"{names[0]} {band}")
              for plane, band in zip(np.moveaxis(np.asarray(colour.rgb, np.float32), -1, 0),
                                     "RGB")]
    aligned = align_images(planes, reference=(luminance.wcs, luminance.shape),
                           dtype=np.float32)
    weight = aligned.footprint.all(axis=0) & np.isfinite(aligned.data).all(axis=0)
    if not weight.any():
        raise ValueError("the colour image does not overlap the luminance image")
    rgb = np.where(weight, np.clip(aligned.data, 0, 1), 0).astype(np.float32)
    coarseness = max(1.0, _pixel_scale(colour) / _pixel_scale(luminance))
    return MeasuredColour(rgb, weight.astype(np.float32), coarseness=coarseness,
                          two_band=two_band, names=names)


def _cube_planes(colour):
    """The filters blue to red of a ``(3, ny, nx)`` colour cube (planes R, G, B)."""
    planes = [read_image(colour, plane=k, dtype=np.float32) for k in (2, 1, 0)]
    return planes, planes[-1].name


def measured_colour(colour, luminance, *, stack_options=None):
    """Bring measured colour onto the luminance's grid.

    Parameters
    ----------
    colour : list, str, HDU, `numpy.ndarray`, RGBImage or `MeasuredColour`
        A list of filter images, blue to red, in any form `~astro_colorgan.stack`
        takes (each with a celestial WCS, or without one on the luminance's
        grid); one colour image, a ``(3, ny, nx)`` FITS cube (planes R, G, B)
        with WCS; or an ``(ny, nx, 3)`` RGB array in [0, 1] on the
        luminance's grid, taken as display-ready colour as it is; or an
        `~astro_colorgan.composite.RGBImage` (the composite `~astro_colorgan.stack`
        returns), display-ready colour taken as it is on the luminance's grid
        and reprojected onto it by WCS otherwise; or a `MeasuredColour` on
        that grid, returned as it is.
    luminance : `~astro_colorgan.io.ImageData`
        The luminance image, whose grid the colour is brought onto.
    stack_options : dict, optional
        Further options of `~astro_colorgan.stack` (``background``, ``Q``, ...).

    Returns
    -------
    `MeasuredColour`

    Raises
    ------
    ValueError
        If the colour does not overlap the luminance, has no WCS and another
        shape, or is not one of the forms above.
    """
    from ..composite import RGBImage, stack

    shape = luminance.shape
    if isinstance(colour, RGBImage):
        return _rgb_image(colour, luminance)
    if isinstance(colour, MeasuredColour):
        if colour.rgb.shape != (3,) + tuple(shape):
            raise ValueError(f"the measured colour has shape {colour.rgb.shape[1:]}, "
                             f"the luminance {shape}")
        return colour
    if isinstance(colour, np.ndarray) and colour.ndim == 3 and colour.shape[-1] == 3:
        return _rgb_array(colour, shape)
    if isinstance(colour, (str, os.PathLike, fits.HDUList, fits.PrimaryHDU, fits.ImageHDU)):
        filters, name = _cube_planes(colour)
        names = [name]
    elif isinstance(colour, (list, tuple)) and len(colour) >= 2:
        filters = [read_image(item, dtype=np.float32) if not isinstance(item, ImageData)
                   else item for item in colour]
        names = [image.name for image in filters]
    else:
        raise ValueError("colour must be a list of two or more filter images (blue to red), "
                         "one (3, ny, nx) FITS colour cube, or an (ny, nx, 3) RGB array")
    with_wcs = [image.wcs is not None for image in filters]
    if luminance.wcs is not None and all(with_wcs):
        reference = (luminance.wcs, shape)
        allow_no_wcs = False
    elif all(image.shape == shape for image in filters):
        reference, allow_no_wcs = None, True
        filters = [dataclasses.replace(image, wcs=None) for image in filters]
    else:
        missing = next(image.name for image, has in zip(filters, with_wcs) if not has) \
            if not all(with_wcs) else luminance.name
        raise ValueError(f"{missing} has no celestial WCS and another shape than the "
                         f"luminance {shape}: the colour cannot be put on its grid")
    composite = stack(filters, reference=reference, allow_no_wcs=allow_no_wcs,
                      **(stack_options or {}))
    weight = composite.coverage.all(axis=0)
    if not weight.any():
        raise ValueError("the colour frames do not overlap the luminance image")
    rgb = np.where(weight, np.moveaxis(composite.rgb, -1, 0), 0).astype(np.float32)
    coarseness = 1.0
    if luminance.wcs is not None and all(with_wcs):
        scale = _pixel_scale(luminance)
        coarseness = max(1.0, float(np.mean([_pixel_scale(image) for image in filters])) / scale)
    return MeasuredColour(np.ascontiguousarray(rgb), weight.astype(np.float32),
                          coarseness=coarseness, two_band=len(filters) == 2, names=names)
