"""Stretches of colour channels, on `astropy.visualization` stretch and interval objects."""

import numbers

import numpy as np
from astropy.stats import sigma_clipped_stats
from astropy.visualization import (
    AsinhStretch,
    BaseInterval,
    BaseStretch,
    LinearStretch,
    LogStretch,
    SinhStretch,
    SqrtStretch,
)

from .._scale import power_of_two_scale

__all__ = [
    "LuptonStretch",
    "Q_RANGE",
    "STRETCHES",
    "SkyPercentileInterval",
    "check_Q",
    "check_interval",
    "is_lupton_stretch",
    "lupton_block",
    "resolve_stretch",
    "stretch_block",
]

#: names accepted by ``resolve_stretch``
STRETCHES = ("asinh", "linear", "sqrt", "log", "sinh")


#: the asinh softening Q accepted: below, asinh is linear to float32 precision; above,
#: ``asinh(Q x) / asinh(Q)`` is a step that loses all but the brightest pixels
Q_RANGE = (1e-3, 1e4)


def check_Q(Q):
    """Refuse an asinh softening ``Q`` outside `Q_RANGE` (``1e-3`` to ``1e4``).

    The one check of ``Q`` for `stack`, the colorizer and the command line.

    Raises
    ------
    ValueError
        If ``Q`` is not a number from ``1e-3`` to ``1e4``.

    Examples
    --------
    >>> check_Q(1e300)
    Traceback (most recent call last):
    ...
    ValueError: Q must be between 0.001 and 10000 (the asinh softening), not 1e+300
    """
    low, high = Q_RANGE
    number = not isinstance(Q, bool) and isinstance(Q, numbers.Real)
    if not (number and low <= Q <= high):
        raise ValueError(f"Q must be between {low:g} and {high:g} (the asinh softening), "
                         f"not {format(Q, 'g') if number else repr(Q)}")


def resolve_stretch(stretch, *, Q=8.0):
    """Return the `~astropy.visualization.BaseStretch` for a stretch name or object.

    Parameters
    ----------
    stretch : str or `~astropy.visualization.BaseStretch`
        ``'asinh'`` (Lupton et al. 2004: ``asinh(Q x) / asinh(Q)``), ``'linear'``,
        ``'sqrt'``, ``'log'``, ``'sinh'``, or a stretch object used as is.
    Q : float, optional
        The asinh softening: large values compress bright regions more.

    Returns
    -------
    stretch : `~astropy.visualization.BaseStretch`

    Examples
    --------
    >>> resolve_stretch("asinh", Q=10)(np.array([0.0, 1.0]))
    array([0., 1.])
    """
    if isinstance(stretch, BaseStretch):
        return stretch
    if not isinstance(stretch, str) or stretch.lower() not in STRETCHES:
        raise ValueError(
            f"unknown stretch {stretch!r}; use one of {', '.join(STRETCHES)} "
            "or an astropy.visualization stretch object"
        )
    check_Q(Q)
    name = stretch.lower()
    if name == "asinh":
        return AsinhStretch(a=1.0 / Q)
    return {"linear": LinearStretch, "sqrt": SqrtStretch, "log": LogStretch,
            "sinh": SinhStretch}[name]()


def is_lupton_stretch(stretch):
    """Whether ``stretch`` is a number: `make_lupton_rgb`'s linear stretch, not a name."""
    return isinstance(stretch, numbers.Real) and not isinstance(stretch, bool)


class LuptonStretch(BaseStretch):
    r"""The asinh stretch of `astropy.visualization.make_lupton_rgb`, on data in their units.

    .. math:: y = \frac{0.1}{\operatorname{asinh}(0.1\,Q)}
              \operatorname{asinh}\left(\frac{Q\,x}{\mathrm{stretch}}\right)

    where ``x`` is the intensity above ``minimum`` in the data's own units (not
    normalised to [0, 1]); astropy 7's ``LuptonAsinhStretch``, here for every
    astropy version. `stack` uses it when ``stretch=`` is a number.

    Parameters
    ----------
    stretch : float, optional
        The linear stretch: near 0, ``y`` is about ``x / stretch``. Must be above 0.
    Q : float, optional
        The asinh softening (below ``2**-23`` taken as 0.1, above 1e10 as 1e10, as astropy does).

    Examples
    --------
    >>> LuptonStretch(stretch=5, Q=8)(np.array([0.0, 5.0]), clip=False).round(4)
    array([0.   , 0.379])
    """

    def __init__(self, stretch=5, Q=8):
        super().__init__()
        if not (is_lupton_stretch(stretch) and np.isfinite(stretch) and stretch > 0):
            raise ValueError(f"stretch must be a number above 0 (make_lupton_rgb's linear "
                             f"stretch), not {stretch!r}")
        if not (is_lupton_stretch(Q) and np.isfinite(Q) and Q >= 0):
            raise ValueError(f"Q must be a number not below 0 (make_lupton_rgb's asinh "
                             f"softening), not {Q!r}")
        Q = 0.1 if abs(Q) < 2.0**-23 else min(float(Q), 1e10)
        self.stretch = float(stretch)
        self.Q = Q
        self._slope = 0.1 / np.arcsinh(0.1 * Q)
        self._soften = Q / self.stretch

    def __call__(self, values, clip=True, out=None):
        values = np.asarray(values)
        dtype = values.dtype if values.dtype.kind == "f" else np.float64
        result = np.arcsinh(values.astype(np.float64) * self._soften) * self._slope
        if clip:
            np.clip(result, 0, 1, out=result)
        if out is not None:
            out[...] = result
            return out
        return result.astype(dtype, copy=False)

    @property
    def inverse(self):
        return _InverseLupton(self)

    def __repr__(self):
        return f"LuptonStretch(stretch={self.stretch:g}, Q={self.Q:g})"


class _InverseLupton(BaseStretch):
    def __init__(self, forward):
        super().__init__()
        self.forward = forward

    def __call__(self, values, clip=True, out=None):
        values = np.asarray(values, dtype=np.float64)
        result = np.sinh(values / self.forward._slope) / self.forward._soften
        if out is not None:
            out[...] = result
            return out
        return result

    @property
    def inverse(self):
        return self.forward


class SkyPercentileInterval(BaseInterval):
    """Limits from the sky level to a high percentile of the data.

    The lower limit is the sigma-clipped median (the sky, 0 after background
    subtraction) minus ``sky_sigma`` times the sigma-clipped standard
    deviation. The upper limit is the ``upper_percentile`` of the values, but
    at least ``min_snr`` sky standard deviations above the sky: in sparse
    fields (stars on empty sky) the percentile falls in the noise, which
    would then fill the image.

    Parameters
    ----------
    upper_percentile : float, optional
        The percentile (0 to 100) that maps to 1.
    sky_sigma : float, optional
        How many sky standard deviations below the sky level map to 0.
    min_snr : float, optional
        The smallest upper limit, in sky standard deviations above the sky.
    n_samples : int, optional
        At most this many evenly spaced values are used, for speed.

    Examples
    --------
    >>> values = np.random.default_rng(0).normal(0, 1, 10000)
    >>> interval = SkyPercentileInterval(upper_percentile=99, min_snr=0)
    >>> vmin, vmax = interval.get_limits(values)
    >>> bool(abs(vmin) < 0.1), bool(2.2 < vmax < 2.5)
    (True, True)
    """

    def __init__(self, upper_percentile=99.5, *, sky_sigma=0.0, min_snr=50.0,
                 n_samples=1_000_000):
        if not 0 < upper_percentile <= 100:
            raise ValueError(f"upper_percentile must be in (0, 100], not {upper_percentile}")
        if not (np.isfinite(sky_sigma) and sky_sigma >= 0):
            raise ValueError(f"sky_sigma must be finite and not negative, not {sky_sigma}")
        if not (np.isfinite(min_snr) and min_snr >= 0):
            raise ValueError(f"min_snr must be finite and not negative, not {min_snr}")
        self.upper_percentile = upper_percentile
        self.sky_sigma = sky_sigma
        self.min_snr = min_snr
        self.n_samples = n_samples

    def get_limits(self, values):
        values = np.asarray(values).ravel()
        step = max(1, values.size // self.n_samples)
        values = values[::step]
        values = values[np.isfinite(values)]
        if values.size == 0:
            return 0.0, 1.0
        # in units of a power of two near the data (exact): the limits scale with the data,
        # and the squares of the clipping neither underflow nor overflow
        scale = power_of_two_scale(values)
        values = values.astype(np.float64) / scale
        _, median, std = sigma_clipped_stats(values, sigma=3.0, maxiters=5)
        vmin = float(median - self.sky_sigma * std)
        vmax = max(float(np.percentile(values, self.upper_percentile)),
                   float(median + self.min_snr * std))
        if not vmax > vmin:
            vmax = float(values.max())
        if not vmax > vmin:
            vmax = vmin + 1.0
        return vmin * scale, vmax * scale

    def __repr__(self):
        return (f"SkyPercentileInterval(upper_percentile={self.upper_percentile}, "
                f"sky_sigma={self.sky_sigma}, min_snr={self.min_snr})")


def check_interval(interval):
    """Return ``interval``, or the default `SkyPercentileInterval` for `None`."""
    interval = SkyPercentileInterval() if interval is None else interval
    if not isinstance(interval, BaseInterval):
        raise TypeError(
            f"interval must be an astropy.visualization interval, not {type(interval).__name__}"
        )
    return interval


def lupton_block(channels, *, vmin, vmax, stretch):
    """Colour-preserving stretch of a block of R, G, B channels (Lupton et al. 2004).

    Parameters
    ----------
    channels : `~numpy.ndarray`
        Float, shape ``(3, ny, nx)``; NaN where there is no data. Overwritten.
    vmin, vmax : float or `~numpy.ndarray`
        The intensity limits that map to 0 and 1; or, as `make_lupton_rgb`'s
        ``minimum``, three black levels (R, G, B) subtracted from each channel,
        with ``vmax - vmin`` the same for all three.
    stretch : `~astropy.visualization.BaseStretch`
        The stretch of the normalised intensity.

    Returns
    -------
    channels : `~numpy.ndarray`
        The input array, now holding values in [0, 1].
    """
    dtype = channels.dtype
    if np.ndim(vmin):
        scale = dtype.type(1.0 / float(np.mean(np.asarray(vmax) - np.asarray(vmin))))
        channels -= np.asarray(vmin, dtype=dtype).reshape(3, 1, 1)
    else:
        scale = dtype.type(1.0 / (vmax - vmin))
        channels -= dtype.type(vmin)
    # normalised intensity x, then the common factor stretch(x) / x
    x = np.mean(channels, axis=0, dtype=dtype)
    x *= scale
    np.clip(x, 0, None, out=x)
    y = np.asarray(stretch(x, clip=False), dtype=dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(x > 0, y / x, 0).astype(dtype, copy=False)
    factor *= scale
    channels *= factor
    np.clip(channels, 0, None, out=channels)
    # hue-preserving saturation: divide all channels by the brightest one where it exceeds 1
    peak = np.fmax(np.fmax(channels[0], channels[1]), channels[2])
    over = peak > 1
    channels[:, over] /= peak[over]
    return channels


def stretch_block(values, *, vmin, vmax, stretch):
    """Normalise ``values`` to [0, 1] between ``vmin`` and ``vmax`` and stretch them (new array)."""
    x = (values - values.dtype.type(vmin)) * values.dtype.type(1.0 / (vmax - vmin))
    np.clip(x, 0, 1, out=x)
    x = np.asarray(stretch(x, clip=False), dtype=values.dtype)
    return np.clip(x, 0, 1, out=x)
