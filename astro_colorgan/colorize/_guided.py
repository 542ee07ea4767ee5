"""Guided colour: the fusion of a deep frame and colour frames, displayed as ``stack`` shows it.

Colour that was measured is fused, not predicted: the deep frame and the
colour frames go to `~astro_colorgan.fusion.fuse_images` (linear flux, or
display-ready values as given), which returns linear bands on the deep
frame's grid; they are displayed with ``stack``'s colour-preserving Lupton
scaling, so bright cores keep their measured hue. Only where no colour frame
covers is colour predicted, by the single-band network.
"""

import os
from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from ..colorspace import rgb_to_chroma, rgb_to_luma
from ..io import ImageData, read_image

__all__ = ["GuidedColour", "guided_colour", "colour_frames", "display_bands", "fusion_note",
           "luminance_and_chroma"]


@dataclass(eq=False)
class GuidedColour:
    """What the fusion made of an image: display RGB, linear bands, provenance facts.

    Attributes
    ----------
    rgb : `numpy.ndarray`
        ``(3, ny, nx)`` display R, G, B in [0, 1].
    fused : `~astro_colorgan.fusion._high_level.FusedBands`
        The linear bands and the fusion's facts.
    """

    rgb: np.ndarray
    fused: object


def _planes_as_frames(cube, wcs, name):
    """Frames blue to red from a display-ready ``(3, ny, nx)`` R, G, B cube."""
    return [ImageData(np.ascontiguousarray(cube[k], np.float32), ~np.isfinite(cube[k]), wcs,
                      name=f"{name}[{'RGB'[k]}]") for k in (2, 1, 0)]


def _rgb_array(colour, shape):
    """An ``(ny, nx, 3)`` display-ready array on the luminance's grid as a ``(3, ny, nx)``
    cube, NaN where any channel is not finite."""
    colour = np.asarray(colour, dtype=np.float32)
    if colour.shape != tuple(shape) + (3,):
        raise ValueError(f"a colour array must have the luminance's shape plus 3 channels, "
                         f"{tuple(shape) + (3,)}, not {colour.shape}")
    values = colour[np.isfinite(colour)]
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError("a colour array (ny, nx, 3) is taken as display-ready colour and "
                         "must lie in [0, 1]; give FITS images with WCS to have them scaled")
    cube = np.moveaxis(colour, -1, 0)
    return np.where(np.isfinite(cube).all(0), cube, np.nan).astype(np.float32)


def colour_frames(colour, luminance):
    """The colour frames of ``colour=``, blue to red, and whether they are display-ready.

    Parameters
    ----------
    colour : list, str, HDU, `numpy.ndarray` or RGBImage
        Two or three filter images (blue to red, any form
        `~astro_colorgan.io.read_image` takes); a display-ready colour image:
        a ``(3, ny, nx)`` FITS cube (planes R, G, B), a
        `~astro_colorgan.composite.RGBImage`, an ``(ny, nx, 3)`` array in
        [0, 1] on the luminance's grid, or a ``(3, my, mx)`` array (planes R,
        G, B) of a coarser frame spanning the luminance.
    luminance : `~astro_colorgan.io.ImageData`
        The deep frame.

    Returns
    -------
    frames : list of `~astro_colorgan.io.ImageData`
    display_ready : bool or None
        True for colour images (display-scaled), None for filter images
        (linear flux, or display-ready when the colorizer's ``stretch`` is None).
    """
    from ..composite import RGBImage

    if isinstance(colour, RGBImage):
        cube = np.moveaxis(np.asarray(colour.rgb, np.float32), -1, 0)
        return _planes_as_frames(cube, colour.wcs, ", ".join(colour.names) or "composite"), True
    if isinstance(colour, np.ndarray) and colour.ndim == 3 and colour.shape[0] == 3 \
            and colour.shape[-1] != 3:
        # a coarse display-ready colour frame spanning the luminance (planes R, G, B)
        return _planes_as_frames(np.asarray(colour, np.float32), None, "colour frame"), True
    if isinstance(colour, np.ndarray) and colour.ndim == 3 and colour.shape[-1] == 3:
        return _planes_as_frames(_rgb_array(colour, luminance.shape), None, "RGB array"), True
    if isinstance(colour, (str, os.PathLike, fits.HDUList, fits.PrimaryHDU, fits.ImageHDU)):
        planes = [read_image(colour, plane=k, dtype=np.float32) for k in (0, 1, 2)]
        cube = np.stack([p.data for p in planes])
        return _planes_as_frames(cube, planes[0].wcs, planes[0].name), True
    if isinstance(colour, (list, tuple)) and len(colour) in (2, 3):
        frames = [item if isinstance(item, ImageData) else read_image(item, dtype=np.float32)
                  for item in colour]
        return frames, None
    raise ValueError("colour must be a list of two or three filter images (blue to red), a "
                     "(3, ny, nx) FITS colour cube, a composite, or an (ny, nx, 3) RGB array")


def display_bands(bands, *, Q, interval=None):
    """``stack``'s display of linear R, G, B bands: the colour-preserving Lupton stretch.

    Parameters
    ----------
    bands : `numpy.ndarray`
        ``(3, ny, nx)`` linear R, G, B.
    Q : float
        The asinh softening.
    interval : `~astropy.visualization.BaseInterval`, optional
        The intensity limits (default: ``stack``'s sky-to-99.5 % interval).

    Returns
    -------
    `numpy.ndarray`
        ``(3, ny, nx)`` float32 R, G, B in [0, 1].
    """
    from ..composite._compose import compose
    from ..composite._stretch import SkyPercentileInterval, resolve_stretch

    filters = np.ascontiguousarray(bands[::-1], np.float32)  # blue to red, as stack takes them
    return compose(filters, matrix=np.eye(3)[::-1], stretches=[resolve_stretch("asinh", Q=Q)],
                   interval=SkyPercentileInterval() if interval is None else interval,
                   linked=True).astype(np.float32, copy=False)


def fusion_note(fused, model_name):
    """The HISTORY line of fused colour: what was measured, how, and how well it agrees."""
    weights = ", ".join(f"{w:.4g}" for w in fused.weights)
    middle = (" Channel G PREDICTED from the other two (not measured)."
              if len(fused.names) == 2 else "")
    return (f"COLOUR MEASURED by {', '.join(fused.names)} (pixels {fused.factor} times the "
            f"deep frame's), FUSED with the deep frame by pan-sharpening ({model_name}: colour "
            f"ratios plus a learned residual, projected onto the measured frames, "
            f"chi2/pixel {fused.chi2:.3g}); deep frame = {weights} x (R, G, B).{middle} "
            "Extension MEASURED marks where colour was measured, BANDS holds the fused "
            "linear bands.")


def luminance_and_chroma(rgb):
    """The Rec. 709 luma and (Cb, Cr) of a ``(3, ny, nx)`` display cube."""
    return rgb_to_luma(rgb, axis=0).astype(np.float32), rgb_to_chroma(rgb, axis=0).astype(
        np.float32)


def _display_luma(colorizer, image, stretch):
    """The deep frame through the colorizer's display scaling, as an image in [0, 1]."""
    import dataclasses

    import torch

    from ._scaling import DisplayScaling

    scaling = DisplayScaling(lambda a, b: image.data[a:b], image.shape, stretch=stretch,
                             interval=colorizer.interval, Q=colorizer.Q, name=image.name,
                             warn_non_finite=False)
    luma, valid = scaling(torch.from_numpy(np.ascontiguousarray(image.data, np.float32)))
    luma = torch.where(valid, luma, torch.full_like(luma, float("nan")))
    return dataclasses.replace(image, data=luma.numpy(), wcs=image.wcs)


def guided_colour(colorizer, image, colour, *, stretch):
    """Fuse measured colour with an image and display it (see the module docstring).

    Parameters
    ----------
    colorizer : `~astro_colorgan.Colorizer`
        Its fusion network, display scaling (``stretch``, ``interval``, ``Q``) and device.
    image : `~astro_colorgan.io.ImageData`
        The deep frame.
    colour
        Any form `colour_frames` takes.
    stretch
        The display scaling of the image (None: display-ready).

    Returns
    -------
    `GuidedColour`
    """
    from ..fusion._high_level import fuse_images

    frames, display_ready = colour_frames(colour, image)
    deep = image
    if display_ready is None:
        display_ready = stretch is None
    elif stretch is not None:  # display-ready colour: the deep frame is displayed first
        deep = _display_luma(colorizer, image, stretch)
    # the shipped network beat the classical fusion on display-ready frames but not on
    # linear flux (Wald's case, validation split): there the residual is left out
    net = colorizer.fusion if display_ready else None
    fused = fuse_images(deep, frames, net=net, display_ready=display_ready,
                        device=colorizer.device)
    if display_ready:
        rgb = np.clip(fused.bands, 0, 1)
    else:
        rgb = display_bands(fused.bands, Q=colorizer.Q, interval=colorizer.interval)
    rgb = np.where(np.isfinite(image.data)[None], rgb, np.nan).astype(np.float32)
    return GuidedColour(rgb, fused)
