"""Filters to an RGB cube, block by block, in place where the filters allow."""

import numpy as np
from astropy.visualization import (AsymmetricPercentileInterval, BaseInterval, MinMaxInterval,
                                   PercentileInterval, ZScaleInterval)

from .._scale import power_of_two_scale
from ._channels import mix_block
from ._stretch import SkyPercentileInterval, check_interval, lupton_block, stretch_block

__all__ = ["compose"]

# pixels handled at once: bounds the temporary arrays of a block
_BLOCK_PIXELS = 2**20


def _blocks(ny, nx):
    rows = max(1, _BLOCK_PIXELS // max(nx, 1))
    for start in range(0, ny, rows):
        yield slice(start, min(ny, start + rows))


# data whose typical magnitude lies between these powers of two are used as they are
_SAFE = (2.0**-60, 2.0**60)


class _Units(BaseInterval):
    """An interval of data given in units of ``unit``: its limits come back in those units."""

    def __init__(self, interval, unit):
        self.interval = interval
        self.unit = unit

    def get_limits(self, values):
        vmin, vmax = self.interval.get_limits(np.asarray(values, dtype=np.float64) * self.unit)
        return vmin / self.unit, vmax / self.unit


def _in_units(interval, unit):
    """``interval`` for data divided by ``unit`` (itself where it does not depend on the unit)."""
    if unit == 1.0 or type(interval) in _SCALE_FREE:
        return interval
    return _Units(interval, unit)


# intervals whose limits scale with the data: they need no conversion of units
_SCALE_FREE = (SkyPercentileInterval, MinMaxInterval, PercentileInterval,
               AsymmetricPercentileInterval, ZScaleInterval)


def compose(filters, *, matrix, stretches, interval=None, linked=True, minimum=None):
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
    minimum : sequence of 3 float, optional
        `make_lupton_rgb`'s black levels of R, G and B, in the data's units: with
        them (``linked`` only) the ``interval`` is not used, and the stretch
        takes the intensity above them in the data's units (`LuptonStretch`).

    Returns
    -------
    rgb : `~numpy.ndarray`
        Shape ``(3, ny, nx)``, planes R, G, B in [0, 1], NaN where no filter has data.
        The picture does not depend on the unit of the data, nor on a common
        factor of the weights, over all of float32's range (1e-40 and 1e30 alike).
    """
    n, ny, nx = filters.shape
    dtype = np.result_type(filters.dtype, np.float32)
    interval = check_interval(interval)
    # float32's whole range: data far from 1 (1e-40 or 1e30 per pixel) are brought near it
    # by a power of two (exact), and the weights of the linked intensity by their largest,
    # before 1 / (vmax - vmin) and the stretch could overflow; the limits of the interval
    # keep the data's units (unlinked, the weights mix stretched values: they stay as given)
    matrix = np.asarray(matrix, dtype=np.float64)
    largest = (float(np.abs(matrix).max()) or 1.0) if linked else 1.0
    matrix = matrix / largest
    unit = power_of_two_scale(filters)
    if _SAFE[0] <= unit <= _SAFE[1]:
        unit = 1.0
    else:
        filters = filters * dtype.type(1.0 / unit)
    interval = _in_units(interval, unit * largest)
    out = filters[:3] if n >= 3 and filters.dtype == dtype else np.empty((3, ny, nx), dtype)
    if linked and minimum is not None:
        factor = unit * largest  # mixed channels are the data divided by this
        vmin = np.asarray(minimum, dtype=np.float64).reshape(3) / factor
        vmax = vmin + 1.0 / factor
    elif linked:
        intensity = np.empty((ny, nx), dtype=dtype)
        for rows in _blocks(ny, nx):
            intensity[rows] = np.mean(mix_block(filters[:, rows], matrix), axis=0)
        vmin, vmax = interval.get_limits(intensity)
        del intensity
    elif minimum is not None:
        raise ValueError("minimum= (make_lupton_rgb's) needs linked=True")
    if linked:
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
