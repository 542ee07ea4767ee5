"""From filters to R, G, B channels: the channel matrix and the mixing."""

import colorsys

import numpy as np

__all__ = ["channel_matrix", "mean_green", "mix_block", "weighted_matrix"]


def channel_matrix(n_filters):
    """Return how much each filter contributes to each of R, G and B.

    Filters are ordered by increasing wavelength (blue to red). One filter is
    grey; two give blue and red with a synthesised green, their mean; three
    map to B, G, R; more are tinted with hues from blue (240 degrees) to red
    (0 degrees) spread evenly along the spectrum, and summed. Each row is
    normalised to sum to 1, so a filter set with equal signals gives white.

    Parameters
    ----------
    n_filters : int
        The number of filters.

    Returns
    -------
    matrix : `~numpy.ndarray`
        Shape ``(3, n_filters)``, rows R, G, B.

    Examples
    --------
    >>> channel_matrix(3)
    array([[0., 0., 1.],
           [0., 1., 0.],
           [1., 0., 0.]])
    >>> channel_matrix(2)
    array([[0. , 1. ],
           [0.5, 0.5],
           [1. , 0. ]])
    """
    if n_filters < 1:
        raise ValueError("at least one filter is needed")
    if n_filters == 1:
        return np.ones((3, 1))
    if n_filters == 2:
        return np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    hues = np.linspace(240.0, 0.0, n_filters) / 360.0
    tints = np.array([colorsys.hsv_to_rgb(hue, 1.0, 1.0) for hue in hues]).T
    tints[np.abs(tints) < 1e-12] = 0.0
    return tints / tints.sum(axis=1, keepdims=True)


def mix_block(filters, matrix, out=None):
    """Combine a block of filter images into R, G, B with a ``(3, n)`` (weighted) matrix.

    Parameters
    ----------
    filters : `~numpy.ndarray`
        Shape ``(n, ny, nx)``; NaN where a filter has no data (it then adds nothing).
    matrix : `~numpy.ndarray`
        Shape ``(3, n)``, weights included.
    out : `~numpy.ndarray`, optional
        Float array of shape ``(3, ny, nx)`` for the result.

    Returns
    -------
    channels : `~numpy.ndarray`
        Shape ``(3, ny, nx)``; NaN where no filter has data.
    """
    n = filters.shape[0]
    dtype = np.result_type(filters.dtype, np.float32)
    if out is None:
        out = np.zeros((3,) + filters.shape[1:], dtype=dtype)
    else:
        out.fill(0)
    covered = np.zeros(filters.shape[1:], dtype=bool)
    for index in range(n):
        plane = filters[index]
        valid = ~np.isnan(plane)
        covered |= valid
        plane = np.where(valid, plane, 0).astype(dtype, copy=False)
        for channel in range(3):
            factor = matrix[channel, index]
            if factor != 0:
                out[channel] += plane * dtype.type(factor)
    out[:, ~covered] = np.nan
    return out


def weighted_matrix(n_filters, *, matrix=None, weights=None):
    """Return the ``(3, n)`` channel matrix with each filter's column scaled by its weight."""
    matrix = channel_matrix(n_filters) if matrix is None else np.asarray(matrix, dtype=float)
    if matrix.shape != (3, n_filters):
        raise ValueError(f"matrix must have shape (3, {n_filters}), not {matrix.shape}")
    weights = np.ones(n_filters) if weights is None else np.asarray(weights, dtype=float)
    if weights.shape != (n_filters,):
        raise ValueError(f"{weights.size} weight(s) given for {n_filters} filter(s)")
    return matrix * weights[None, :]


def mean_green(rgb, axis=0):
    """The colour image with its green replaced by the mean of blue and red (``stack``'s rule
    for two filters).

    Parameters
    ----------
    rgb : `numpy.ndarray`
        R, G, B on ``axis``.
    axis : int
        The channel axis.

    Returns
    -------
    `numpy.ndarray`
    """
    r, _, b = np.moveaxis(rgb, axis, 0)
    return np.moveaxis(np.stack([r, 0.5 * (r + b), b]), 0, axis)
