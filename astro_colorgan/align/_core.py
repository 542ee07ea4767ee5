"""Reprojection of one image onto a grid with `reproject`, block by block."""

import numpy as np

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


def _output_box(wcs_in, shape_in, wcs_out, shape_out):
    """Rows and columns ``(y0, y1, x0, x1)`` of the output grid the input can reach."""
    from ._grid import _edge_pixels

    xs, ys = _edge_pixels(shape_in)
    # the outline alone misses an input that contains the output grid: add its interior
    gy, gx = np.meshgrid(np.linspace(-0.5, shape_in[0] - 0.5, 9),
                         np.linspace(-0.5, shape_in[1] - 0.5, 9), indexing="ij")
    xs, ys = np.concatenate([xs, gx.ravel()]), np.concatenate([ys, gy.ravel()])
    with np.errstate(invalid="ignore"):
        x_out, y_out = wcs_out.world_to_pixel(wcs_in.pixel_to_world(xs, ys))
    x_out, y_out = np.asarray(x_out), np.asarray(y_out)
    good = np.isfinite(x_out) & np.isfinite(y_out)
    if not good.all():
        # part of the input cannot be placed on the output projection: do it all
        return 0, shape_out[0], 0, shape_out[1]
    y0 = int(np.clip(np.floor(y_out.min()) - 1, 0, shape_out[0]))
    y1 = int(np.clip(np.ceil(y_out.max()) + 2, 0, shape_out[0]))
    x0 = int(np.clip(np.floor(x_out.min()) - 1, 0, shape_out[1]))
    x1 = int(np.clip(np.ceil(x_out.max()) + 2, 0, shape_out[1]))
    return y0, y1, x0, x1


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
    y0, y1, x0, x1 = _output_box(wcs_in, data.shape, wcs_out, shape_out)
    if y1 <= y0 or x1 <= x0:
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
    roundtrip = _needs_roundtrip(wcs_in, wcs_out)
    rows = max(1, _BLOCK_PIXELS // (x1 - x0))
    block = np.empty((min(rows, y1 - y0), x1 - x0), dtype=dtype)
    for start in range(y0, y1, rows):
        stop = min(y1, start + rows)
        part = block[: stop - start]
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
