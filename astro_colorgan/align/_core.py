"""Reprojection of one image onto a grid with `reproject`, block by block."""

import numpy as np

from .._progress import progress

__all__ = ["INTERPOLATION_ORDERS", "interpolation_order", "reproject_image"]

_ORDERS = {
    "nearest-neighbor": 0,
    "nearest": 0,
    "bilinear": 1,
    "biquadratic": 2,
    "bicubic": 3,
}

#: names of the interpolation orders 0 to 3
INTERPOLATION_ORDERS = ("nearest-neighbor", "bilinear", "biquadratic", "bicubic")

# projections whose pixel <-> sky transformations are defined both ways wherever the
# images can overlap; others get reproject's slower round-trip check
_INVERTIBLE = {"TAN", "TPV", "TNX", "SIN", "ARC", "ZEA", "STG"}

# pixels of output reprojected at once: bounds the memory of the coordinate arrays
_BLOCK_PIXELS = 2**20


def interpolation_order(order):
    """Return the spline order (0 to 3) of an interpolation name or number.

    Parameters
    ----------
    order : int or str
        0 to 3, or ``'nearest-neighbor'``, ``'bilinear'``, ``'biquadratic'``, ``'bicubic'``.

    Returns
    -------
    order : int
    """
    if isinstance(order, str):
        if order.lower() not in _ORDERS:
            raise ValueError(
                f"unknown interpolation order {order!r}; use one of {', '.join(_ORDERS)} or 0-3"
            )
        return _ORDERS[order.lower()]
    if isinstance(order, (int, np.integer)) and 0 <= order <= 3:
        return int(order)
    raise ValueError(f"interpolation order must be 0 to 3 or a name, not {order!r}")


def _needs_roundtrip(*wcs_list):
    return any(wcs.wcs.ctype[0][5:8] not in _INVERTIBLE for wcs in wcs_list)


def _outline(wcs_in, shape_in, wcs_out):
    """The outline of the input in output pixel coordinates, or `None` if it cannot be placed."""
    from ._grid import _edge_pixels

    xs, ys = _edge_pixels(shape_in, samples=64)
    with np.errstate(invalid="ignore"):
        x_out, y_out = wcs_out.world_to_pixel(wcs_in.pixel_to_world(xs, ys))
    x_out, y_out = np.asarray(x_out, dtype=float), np.asarray(y_out, dtype=float)
    if not (np.isfinite(x_out).all() and np.isfinite(y_out).all()):
        return None
    return x_out, y_out


def _clip_below(xs, ys, limit, keep_above):
    """Sutherland-Hodgman step: the part of a polygon above (or below) ``y = limit``."""
    inside = ys >= limit if keep_above else ys <= limit
    if inside.all() or not inside.any():
        return (xs, ys) if inside.all() else (xs[:0], ys[:0])
    out_x, out_y = [], []
    for i in range(len(xs)):
        j = i - 1
        if inside[i] != inside[j]:
            t = (limit - ys[j]) / (ys[i] - ys[j])
            out_x.append(xs[j] + t * (xs[i] - xs[j]))
            out_y.append(limit)
        if inside[i]:
            out_x.append(xs[i])
            out_y.append(ys[i])
    return np.array(out_x), np.array(out_y)


def _columns(outline, start, stop, nx):
    """Output columns ``(x0, x1)`` the input covers in rows ``start:stop``, or `None`."""
    if outline is None:
        return 0, nx
    xs, ys = _clip_below(*outline, start - 1.5, keep_above=True)
    xs, ys = _clip_below(xs, ys, stop + 0.5, keep_above=False)
    if len(xs) == 0:
        return None
    x0 = int(np.clip(np.floor(xs.min()) - 1, 0, nx))
    x1 = int(np.clip(np.ceil(xs.max()) + 2, 0, nx))
    return (x0, x1) if x1 > x0 else None


def _rows(outline, ny):
    if outline is None:
        return 0, ny
    y0 = int(np.clip(np.floor(outline[1].min()) - 1, 0, ny))
    y1 = int(np.clip(np.ceil(outline[1].max()) + 2, 0, ny))
    return y0, y1


def reproject_image(data, wcs_in, wcs_out, shape_out, *, order="bilinear", exact=False,
                    out=None):
    """Reproject a 2-D image onto a celestial grid.

    The work is done in blocks of output rows, restricted to the part of the
    grid the image covers, with `reproject.reproject_interp` (or
    `reproject.reproject_exact`), so that memory stays a small multiple of the
    image size.

    Parameters
    ----------
    data : `~numpy.ndarray`
        The image, shape ``(ny, nx)``, NaN where there is no data.
    wcs_in : `~astropy.wcs.WCS`
        Its 2-D celestial WCS.
    wcs_out : `~astropy.wcs.WCS`
        The 2-D celestial WCS of the output grid.
    shape_out : tuple of int
        The output shape ``(ny, nx)``.
    order : int or str, optional
        The interpolation: ``'nearest-neighbor'``, ``'bilinear'`` (default),
        ``'biquadratic'`` or ``'bicubic'``.
    exact : bool, optional
        Use flux-conserving spherical-polygon intersection
        (`reproject.reproject_exact`, slow) instead of interpolation.
    out : `~numpy.ndarray`, optional
        Float array of shape ``shape_out`` to fill; by default a new float32 array.

    Returns
    -------
    out : `~numpy.ndarray`
        The reprojected image, shape ``shape_out``, NaN where the input has no data.
    """
    from reproject import reproject_exact, reproject_interp

    order = interpolation_order(order)
    if out is None:
        out = np.empty(tuple(shape_out), dtype=np.float32)
    elif out.shape != tuple(shape_out):
        raise ValueError(f"out has shape {out.shape}, not {tuple(shape_out)}")
    out.fill(np.nan)
    outline = _outline(wcs_in, data.shape, wcs_out)
    y0, y1 = _rows(outline, shape_out[0])
    if y1 <= y0:
        return out
    dtype = out.dtype if out.dtype.kind == "f" else np.dtype(np.float32)
    data = np.ascontiguousarray(data, dtype=dtype)
    invalid = np.isnan(data)
    valid = None
    if order >= 2 and invalid.any():
        # a spline through NaN is NaN everywhere: fill holes with their nearest valid
        # value (no ringing) and interpolate the coverage apart
        from scipy.ndimage import distance_transform_edt

        valid = (~invalid).astype(dtype)
        nearest = distance_transform_edt(invalid, return_distances=False, return_indices=True)
        data = data[tuple(nearest)]
    del invalid
    roundtrip = _needs_roundtrip(wcs_in, wcs_out)
    rows = max(1, _BLOCK_PIXELS // shape_out[1])
    buffer = np.empty(rows * shape_out[1], dtype=dtype)
    # blocks of rows, with a bar on a terminal (the command line without -q)
    for start in progress(range(y0, y1, rows)):
        stop = min(y1, start + rows)
        columns = _columns(outline, start, stop, shape_out[1])
        if columns is None:
            continue
        x0, x1 = columns
        # a contiguous block, as reproject's output_array must be
        part = buffer[: (stop - start) * (x1 - x0)].reshape(stop - start, x1 - x0)
        sub_wcs = wcs_out[start:stop, x0:x1]
        if exact:
            values, footprint = reproject_exact((data, wcs_in), sub_wcs, shape_out=part.shape)
            values[footprint <= 0] = np.nan
            part[...] = values
        else:
            reproject_interp((data, wcs_in), sub_wcs, shape_out=part.shape, order=order,
                             return_footprint=False, output_array=part,
                             roundtrip_coords=roundtrip)
            if valid is not None:
                weight = reproject_interp((valid, wcs_in), sub_wcs, shape_out=part.shape,
                                          order="bilinear", return_footprint=False,
                                          roundtrip_coords=roundtrip)
                part[~(weight > 0.5)] = np.nan
        out[start:stop, x0:x1] = part
    return out
