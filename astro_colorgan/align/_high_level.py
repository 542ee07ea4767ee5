"""Put several images on one pixel grid: `align_images`."""

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
from astropy import log
from astropy.utils.exceptions import AstropyUserWarning

from ..io import ImageData, read_image
from ._core import interpolation_order, reproject_image
from ._grid import common_grid, overlap_area, parse_reference, same_grid, sky_polygons

__all__ = ["AlignedImages", "align_images"]


@dataclass(eq=False)
class AlignedImages:
    """Images on one pixel grid.

    Attributes
    ----------
    data : `~numpy.ndarray`
        The images, shape ``(n, ny, nx)``, in input order; NaN where an image has no data.
    footprint : `~numpy.ndarray`
        Boolean, shape ``(n, ny, nx)``: `True` where image ``i`` has data.
    wcs : `~astropy.wcs.WCS` or `None`
        The 2-D celestial WCS of the grid (`None` for unaligned inputs without WCS).
    names : list of str
        The names of the inputs.
    """

    data: np.ndarray
    footprint: np.ndarray
    wcs: object
    names: list

    @property
    def shape(self):
        """The grid shape ``(ny, nx)``."""
        return self.data.shape[1:]


def _unique_names(images):
    """Number the names that several inputs share (e.g. ``array #1``, ``array #2``)."""
    names = [image.name for image in images]
    if len(set(names)) == len(names):
        return images
    return [
        dataclasses.replace(image, name=f"{image.name} #{index}")
        if names.count(image.name) > 1 else image
        for index, image in enumerate(images, start=1)
    ]


def _no_wcs_message(image, target):
    return (
        f"{image.name} has no celestial WCS, so it cannot be aligned with {target}; "
        "pass allow_no_wcs=True if all filters share one pixel grid"
    )


def _stack_unaligned(images, dtype):
    """Stack same-shape images as they are (``allow_no_wcs``)."""
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        listed = ", ".join(f"{image.name} {image.shape}" for image in images)
        raise ValueError(f"images without a celestial WCS must have one shape: {listed}")
    wcs_list = [image.wcs for image in images if image.wcs is not None]
    if wcs_list:
        warnings.warn(
            "some inputs have no celestial WCS: all are taken to be on the grid of the "
            f"first one that has ({next(i.name for i in images if i.wcs is not None)})",
            AstropyUserWarning,
        )
    data = np.empty((len(images),) + images[0].shape, dtype=dtype)
    for plane, image in zip(data, images):
        plane[...] = image.data
    wcs = wcs_list[0].deepcopy() if wcs_list else None
    return AlignedImages(data, np.isfinite(data), wcs, [image.name for image in images])


def _check_overlap(images, reference_grid):
    """Refuse images that do not overlap each other (or the reference grid)."""
    grids = [(image.shape, image.wcs) for image in images]
    if reference_grid is not None:
        wcs, shape = reference_grid
        polygons = sky_polygons(grids + [(shape, wcs)])
        for image, polygon in zip(images, polygons[:-1]):
            if overlap_area([polygon, polygons[-1]]) <= 0:
                raise ValueError(f"{image.name} does not overlap the reference grid")
        polygons = polygons[:-1]
    else:
        polygons = sky_polygons(grids)
    if len(images) < 2 or overlap_area(polygons) > 0:
        return
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            if overlap_area([polygons[i], polygons[j]]) <= 0:
                raise ValueError(
                    f"the filters do not overlap on the sky: {images[i].name} and "
                    f"{images[j].name} have no region in common"
                )
    raise ValueError("the filters do not overlap on the sky: no region is common to all")


def align_images(images, *, reference=None, order="bilinear", exact=False,
                 allow_no_wcs=False, hdu=None, dtype=np.float32):
    """Reproject several images onto one pixel grid.

    Parameters
    ----------
    images : list
        The images; each any input of `~astro_colorgan.io.read_image` (path,
        `~astropy.io.fits.HDUList`, image HDU, ``(array, WCS or Header)``,
        `~astropy.nddata.NDData`, array of shape ``(ny, nx)`` or `~astro_colorgan.io.ImageData`).
    reference : optional
        The output grid: a celestial `~astropy.wcs.WCS` with ``pixel_shape``, a
        ``(WCS, (ny, nx))`` tuple, a header, or an image whose grid is used. By
        default the north-up TAN grid from
        `reproject.mosaicking.find_optimal_celestial_wcs` that covers all
        images at the finest input pixel scale (or, when all images share one
        grid, that grid).
    order : int or str, optional
        Interpolation: ``'nearest-neighbor'``, ``'bilinear'`` (default),
        ``'biquadratic'`` or ``'bicubic'``.
    exact : bool, optional
        Use flux-conserving `reproject.reproject_exact` (slow) instead of interpolation.
    allow_no_wcs : bool, optional
        Accept images without a celestial WCS when all have one shape: they
        are stacked as they are, taken to share one pixel grid.
    hdu : int or str, optional
        The HDU to read from image files with several image HDUs (not from a
        reference file: use ``'file.fits[ext]'`` there).
    dtype : {`numpy.float32`, `numpy.float64`}, optional
        The float type of the output.

    Returns
    -------
    aligned : `AlignedImages`
        Data of shape ``(n, ny, nx)``, the footprint, the grid's WCS and the names.

    Raises
    ------
    ValueError
        If an image lacks a celestial WCS (without ``allow_no_wcs``), the images
        do not overlap each other or the reference grid, or the grid is too large.
    """
    if isinstance(images, (str, ImageData, np.ndarray)) or not hasattr(images, "__len__"):
        raise TypeError("images must be a list of images")
    if len(images) == 0:
        raise ValueError("no images given")
    order_value = interpolation_order(order)
    images = _unique_names([read_image(image, hdu=hdu, dtype=dtype) for image in images])
    reference_grid = None
    if reference is not None:
        reference_grid = parse_reference(reference)
        for image in images:
            if image.wcs is None:
                raise ValueError(_no_wcs_message(image, "the reference grid"))
    elif any(image.wcs is None for image in images):
        if allow_no_wcs or len(images) == 1:
            return _stack_unaligned(images, dtype)
        missing = next(image for image in images if image.wcs is None)
        raise ValueError(_no_wcs_message(missing, "the other filters"))
    _check_overlap(images, reference_grid)
    if reference_grid is None:
        reference_grid = common_grid([(image.wcs, image.shape) for image in images])
    wcs, shape = reference_grid
    log.info(f"aligning {len(images)} image(s) on a {shape[1]} x {shape[0]} grid")
    data = np.empty((len(images),) + tuple(shape), dtype=dtype)
    for plane, image in zip(data, images):
        if same_grid(image.wcs, image.shape, wcs, shape):
            log.debug(f"{image.name} is on the output grid already")
            plane[...] = image.data
        else:
            log.info(f"reprojecting {image.name}")
            reproject_image(image.data, image.wcs, wcs, shape, order=order_value,
                            exact=exact, out=plane)
    footprint = np.isfinite(data)
    for image, covered in zip(images, footprint):
        if not covered.any():
            raise ValueError(f"{image.name} does not overlap the output grid")
    if len(images) > 1 and not np.logical_and.reduce(footprint, axis=0).any():
        raise ValueError("the filters do not overlap on the sky: no pixel is common to all")
    return AlignedImages(data, footprint, wcs, [image.name for image in images])
