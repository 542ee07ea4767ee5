"""The common pixel grid of several images, and the geometry of their footprints."""

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales

from ..io import ImageData, read_image

__all__ = ["common_grid", "parse_reference", "same_grid", "sky_polygons", "overlap_area"]

#: largest output grid, in pixels, before `common_grid` refuses (3 float32 planes of 4 GB)
MAX_GRID_PIXELS = 2**30

_EDGE_SAMPLES = 8


def _edge_pixels(shape, samples=_EDGE_SAMPLES):
    """Pixel positions (x, y) along the outer edges of an image, counter-clockwise."""
    ny, nx = shape
    t = np.linspace(0.0, 1.0, samples, endpoint=False)
    x0, x1, y0, y1 = -0.5, nx - 0.5, -0.5, ny - 0.5
    xs = np.concatenate([x0 + t * (x1 - x0), np.full_like(t, x1), x1 - t * (x1 - x0),
                         np.full_like(t, x0)])
    ys = np.concatenate([np.full_like(t, y0), y0 + t * (y1 - y0), np.full_like(t, y1),
                         y1 - t * (y1 - y0)])
    return xs, ys


def sky_polygons(images):
    """Project the outlines of images onto one tangent plane.

    Parameters
    ----------
    images : list of (shape, `~astropy.wcs.WCS`)
        Shapes ``(ny, nx)`` and celestial WCS (in any celestial frames).

    Returns
    -------
    polygons : list of `~numpy.ndarray` or `None`
        For each image, its outline as an ``(n, 2)`` array of tangent-plane
        coordinates (radians, counter-clockwise), or `None` when the image lies
        more than 80 degrees from the mean direction of all images.
    """
    vectors = []
    frame = None
    for shape, wcs in images:
        coords = wcs.pixel_to_world(*_edge_pixels(shape))
        if frame is None:
            frame = coords.frame
        else:
            coords = coords.transform_to(frame)
        vectors.append(np.asarray(coords.cartesian.xyz.value).T)
    centre = np.nanmean(np.concatenate(vectors), axis=0)
    centre /= np.linalg.norm(centre)
    east = np.cross([0.0, 0.0, 1.0], centre)
    if np.linalg.norm(east) < 1e-12:  # centre at a pole
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)
    polygons = []
    for vec in vectors:
        depth = vec @ centre
        if not np.all(np.isfinite(depth)) or np.any(depth < np.cos(np.radians(80))):
            polygons.append(None)
            continue
        polygon = np.stack([vec @ east / depth, vec @ north / depth], axis=-1)
        if _signed_area(polygon) < 0:
            polygon = polygon[::-1]
        polygons.append(polygon)
    return polygons


def _signed_area(polygon):
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)


def _clip(subject, clipper):
    """Sutherland-Hodgman: the part of polygon ``subject`` inside convex ``clipper``."""
    output = list(subject)
    for i in range(len(clipper)):
        a, b = clipper[i], clipper[(i + 1) % len(clipper)]
        edge = b - a
        inputs, output = output, []
        if not inputs:
            break

        def inside(p, a=a, edge=edge):
            return edge[0] * (p[1] - a[1]) - edge[1] * (p[0] - a[0]) >= 0

        for j, current in enumerate(inputs):
            previous = inputs[j - 1]
            if inside(current):
                if not inside(previous):
                    output.append(_intersection(previous, current, a, b))
                output.append(current)
            elif inside(previous):
                output.append(_intersection(previous, current, a, b))
    return np.array(output).reshape(-1, 2)


def _intersection(p, q, a, b):
    d1, d2 = q - p, b - a
    denominator = d1[0] * d2[1] - d1[1] * d2[0]
    if denominator == 0:
        return q
    t = ((a[0] - p[0]) * d2[1] - (a[1] - p[1]) * d2[0]) / denominator
    return p + t * d1


def overlap_area(polygons):
    """Area of the region that all polygons share (0 when they do not overlap).

    Parameters
    ----------
    polygons : list of `~numpy.ndarray` or `None`
        Convex outlines from `sky_polygons`; `None` counts as no overlap.

    Returns
    -------
    area : float
        In the squared units of the polygons.
    """
    if any(polygon is None for polygon in polygons):
        return 0.0
    shared = polygons[0]
    for polygon in polygons[1:]:
        shared = _clip(shared, polygon)
        if len(shared) < 3:
            return 0.0
    return abs(_signed_area(shared))


def parse_reference(reference, *, hdu=None):
    """Return the ``(wcs, shape)`` of a reference grid.

    Parameters
    ----------
    reference : `~astropy.wcs.WCS`, `~astropy.io.fits.Header`, tuple or image
        A celestial WCS with ``pixel_shape`` set, a ``(WCS, (ny, nx))`` tuple, a
        header with NAXIS1/NAXIS2, or anything `~astro_colorgan.io.read_image`
        accepts (its grid is used).
    hdu : int or str, optional
        The HDU of a reference file.

    Returns
    -------
    wcs : `~astropy.wcs.WCS`
        The 2-D celestial WCS of the grid.
    shape : tuple of int
        The grid shape ``(ny, nx)``.
    """
    if isinstance(reference, tuple) and len(reference) == 2 and isinstance(reference[0], WCS) \
            and np.ndim(reference[1]) == 1:
        wcs, shape = reference[0], tuple(int(size) for size in reference[1])
    elif isinstance(reference, WCS):
        if reference.pixel_shape is None:
            raise ValueError("the reference WCS has no pixel_shape; pass (wcs, (ny, nx))")
        wcs, shape = reference, tuple(reference.array_shape)
    elif isinstance(reference, fits.Header):
        if "NAXIS1" not in reference or "NAXIS2" not in reference:
            raise ValueError("the reference header has no NAXIS1/NAXIS2")
        wcs, shape = WCS(reference), (reference["NAXIS2"], reference["NAXIS1"])
    else:
        image = reference if isinstance(reference, ImageData) else read_image(reference, hdu=hdu)
        if image.wcs is None:
            raise ValueError(f"reference {image.name} has no celestial WCS")
        return image.wcs, image.shape
    if not wcs.has_celestial or wcs.naxis != 2:
        raise ValueError("the reference grid must have a 2-D celestial WCS")
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"invalid reference shape {shape}")
    wcs = wcs.deepcopy()
    wcs.pixel_shape = (shape[1], shape[0])
    return wcs, shape


def same_grid(wcs_a, shape_a, wcs_b, shape_b, *, tolerance=1e-3):
    """Whether two celestial grids are the same to ``tolerance`` pixels."""
    if tuple(shape_a) != tuple(shape_b):
        return False
    xs, ys = _edge_pixels(shape_a)
    xs, ys = np.append(xs, shape_a[1] / 2), np.append(ys, shape_a[0] / 2)
    with np.errstate(invalid="ignore"):
        world = wcs_a.pixel_to_world(xs, ys)
        try:
            x2, y2 = wcs_b.world_to_pixel(world)
        except Exception:  # frames that cannot be converted
            return False
    offset = np.hypot(np.asarray(x2) - xs, np.asarray(y2) - ys)
    return bool(np.all(np.isfinite(offset)) and offset.max() < tolerance)


def common_grid(grids, *, resolution=None):
    """Return the north-up grid that covers all input grids at the finest pixel scale.

    Parameters
    ----------
    grids : list of (`~astropy.wcs.WCS`, shape)
        Celestial WCS and shapes ``(ny, nx)`` of the inputs.
    resolution : `~astropy.units.Quantity`, optional
        The pixel scale of the grid; by default the finest of the inputs.

    Returns
    -------
    wcs : `~astropy.wcs.WCS`
        A TAN projection (from `reproject.mosaicking.find_optimal_celestial_wcs`).
    shape : tuple of int
        The grid shape ``(ny, nx)``.
    """
    from reproject.mosaicking import find_optimal_celestial_wcs

    if len(grids) >= 1 and all(same_grid(*grids[0], *grid) for grid in grids[1:]):
        wcs, shape = grids[0]
        return wcs.deepcopy(), tuple(shape)
    wcs, shape = find_optimal_celestial_wcs([(tuple(shape), wcs) for wcs, shape in grids],
                                            resolution=resolution)
    if shape[0] * shape[1] > MAX_GRID_PIXELS:
        scale = proj_plane_pixel_scales(wcs)[0] * 3600
        raise ValueError(
            f"the common grid would be {shape[1]} x {shape[0]} pixels at {scale:.3g} arcsec; "
            "choose a reference grid (reference=)"
        )
    wcs.pixel_shape = (shape[1], shape[0])
    return wcs, tuple(shape)
