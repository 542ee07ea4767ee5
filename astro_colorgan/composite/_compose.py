"""Filters to an RGB cube, block by block, in place where the filters allow."""

import numpy as np

from ._channels import mix_block
from ._stretch import check_interval, lupton_block, stretch_block

__all__ = ["compose"]

# pixels handled at once: bounds the temporary arrays of a block
_BLOCK_PIXELS = 2**20


def _blocks(ny, nx):
    rows = max(1, _BLOCK_PIXELS // max(nx, 1))
    for start in range(0, ny, rows):
        yield slice(start, min(ny, start + rows))


def compose(filters, *, matrix, stretches, interval=None, linked=True):
    """Turn aligned filter images into a stretched ``(3, ny, nx)`` R, G, B cube.

    Parameters
    ----------
    filters : `~numpy.ndarray`
        Float, shape ``(n, ny, nx)``, blue to red, NaN where a filter has no
        data. With three or more filters, the result is written into its
        first three planes (the filters are overwritten).
    matrix : `~numpy.ndarray`
        Shape ``(3, n)``: the weighted channel matrix (rows R, G, B).
    stretches : list of `~astropy.visualization.BaseStretch`
        One stretch per filter (with ``linked``, the first one is used).
    interval : `~astropy.visualization.BaseInterval`, optional
        The limits mapped to 0 and 1: of the intensity (mean of R, G, B) when
        ``linked``, else of each filter.
    linked : bool, optional
        Colour-preserving stretch of the intensity (`lupton_block`), or each
        filter stretched on its own before mixing.

    Returns
    -------
    rgb : `~numpy.ndarray`
        Shape ``(3, ny, nx)``, planes R, G, B in [0, 1], NaN where no filter has data.
    """
    n, ny, nx = filters.shape
    dtype = np.result_type(filters.dtype, np.float32)
    out = filters[:3] if n >= 3 and filters.dtype == dtype else np.empty((3, ny, nx), dtype)
    interval = check_interval(interval)
    if linked:
        intensity = np.empty((ny, nx), dtype=dtype)
        for rows in _blocks(ny, nx):
            intensity[rows] = np.mean(mix_block(filters[:, rows], matrix), axis=0)
        vmin, vmax = interval.get_limits(intensity)
        del intensity
        for rows in _blocks(ny, nx):
            block = mix_block(filters[:, rows], matrix)
            out[:, rows] = lupton_block(block, vmin=vmin, vmax=vmax, stretch=stretches[0])
        return out
    limits = [interval.get_limits(plane) for plane in filters]
    for rows in _blocks(ny, nx):
        block = np.empty((n,) + filters[:, rows].shape[1:], dtype=dtype)
        for index, (vmin, vmax) in enumerate(limits):
            block[index] = stretch_block(filters[index, rows], vmin=vmin, vmax=vmax,
                                         stretch=stretches[index])
        mixed = mix_block(block, matrix)
        out[:, rows] = np.clip(mixed, 0, 1, out=mixed)
    return out
