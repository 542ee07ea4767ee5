"""A robust, power-of-two scale of data, so that statistics do not depend on the unit.

Statistics in float32 (a sigma-clipped standard deviation squares its values)
underflow below about 1e-19 and overflow above about 1e19. Dividing the data
by a power of two near their typical magnitude first is exact in binary
floating point, so that the statistics of ``c * data`` are those of ``data``
times ``c`` for any positive ``c`` that the float type represents.
"""

import math

import numpy as np

__all__ = ["power_of_two_scale"]

#: at most this many evenly spaced values set the scale
_SAMPLES = 100_000

# float32 holds 2**-126 to 2**127 as normal numbers: the scale and its inverse stay inside
_MIN_EXPONENT, _MAX_EXPONENT = -120, 120


def power_of_two_scale(values):
    """A power of two near the typical magnitude of the finite ``values``.

    The typical magnitude is the 90th percentile of ``|values|`` over at most
    100 000 evenly spaced finite values (their largest magnitude where that
    percentile is 0; 1 where all values are 0 or none is finite). Scaling
    ``values`` by a positive factor scales the result by about that factor,
    and dividing by it is exact (it is a power of two).

    Parameters
    ----------
    values : array-like
        The data, any shape; non-finite values are ignored.

    Returns
    -------
    scale : float
        ``2 ** k`` with ``-120 <= k <= 120``.

    Examples
    --------
    >>> import numpy as np
    >>> power_of_two_scale(np.array([3e-30, -1e-30, np.nan]))
    3.1554436208840472e-30
    >>> power_of_two_scale(np.zeros(4))
    1.0
    """
    values = np.asarray(values).ravel()
    step = max(1, values.size // _SAMPLES)
    sample = np.abs(values[::step].astype(np.float64))
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 1.0
    typical = float(np.percentile(sample, 90))
    if not typical > 0:
        typical = float(sample.max())
    if not typical > 0:
        return 1.0
    exponent = math.frexp(typical)[1]
    return math.ldexp(1.0, min(_MAX_EXPONENT, max(_MIN_EXPONENT, exponent)))
