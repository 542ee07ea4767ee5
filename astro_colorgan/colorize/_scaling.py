"""The display scaling of raw data to luma in [0, 1], computed in torch on the model's device."""

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from astropy.stats import sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import (AsinhStretch, BaseInterval, BaseStretch, LinearStretch,
                                   SqrtStretch)

from ..composite._stretch import check_interval, resolve_stretch

__all__ = ["DisplayScaling", "LIMIT_SAMPLE_PIXELS", "SKY_SIGMAS"]

#: At most this many pixels, on a regular grid, set the display limits.
LIMIT_SAMPLE_PIXELS = 2 ** 22

#: Rows read at a time by the passes over the whole image.
BAND_ROWS = 256

#: Predicted colour starts at the sky level plus the first, and is whole at the
#: sky plus the second, number of sky standard deviations (of the 5 x 5 px mean
#: luma): the sky, within its noise, stays neutral.
SKY_SIGMAS = (1.0, 3.0)

#: At most this many values of the limits' sample measure the sky.
_SKY_SAMPLE = 2 ** 18

#: Width (px) of the box that averages the luma before it is compared with the sky.
_SKY_BOX = 5


class DisplayScaling:
    """The display stretch of raw data to luma in [0, 1], with limits from the whole image.

    The interval's limits are computed once, from the finite pixels on a
    regular grid of at most `LIMIT_SAMPLE_PIXELS` pixels (every pixel of
    images up to 4 megapixels), read band by band. Calling the object then
    scales any rows of the image, in torch on the device of the tensor it is
    given (the asinh, linear and square-root stretches; other
    `~astropy.visualization` stretches run in numpy).

    Parameters
    ----------
    read_rows : callable
        ``read_rows(start, stop)`` returns rows ``start`` to ``stop`` of the
        raw image as a float array, NaN where there are no data.
    shape : tuple of int
        ``(ny, nx)``.
    stretch : 'auto', 'asinh', 'linear', str, None or `~astropy.visualization.BaseStretch`
        ``'auto'`` is the asinh stretch of Lupton et al.; None means the data
        are display-scaled already and are only clipped to [0, 1]. An
        `~astropy.visualization.BaseInterval` may be given here.
    interval : `~astropy.visualization.BaseInterval`, optional
        Limits mapped to 0 and 1 before the stretch (default: sky level to the
        99.5th percentile, `~astro_colorgan.composite.SkyPercentileInterval`).
    Q : float
        Softening of the asinh stretch.
    name : str
        The image's name, for messages.
    warn_non_finite : bool
        Warn about NaN/inf pixels not flagged in a mask.

    Examples
    --------
    >>> import numpy as np
    >>> data = np.random.default_rng(0).normal(100, 1, (32, 32))
    >>> scaling = DisplayScaling(lambda a, b: data[a:b], data.shape, stretch="auto",
    ...                          interval=None, Q=8, name="noise")
    >>> luma, valid = scaling(data)
    >>> luma.shape, bool(valid.all()), bool(0 <= luma.min() and luma.max() <= 1)
    ((32, 32), True, True)
    >>> bool(scaling.sky_weight(luma).max() == 0)  # noise on a flat sky gets no colour
    True
    """

    def __init__(self, read_rows, shape, *, stretch="auto", interval=None, Q=8.0, name="image",
                 warn_non_finite=False):
        sample, invalid = _limit_sample(read_rows, shape)
        if sample.size == 0:
            raise ValueError(f"{name} holds no valid pixel (all are NaN, infinite or masked)")
        if invalid and warn_non_finite:
            warnings.warn(f"{name}: {invalid} non-finite pixel(s) not flagged in a mask are "
                          "treated as missing data", AstropyUserWarning, stacklevel=3)
        self.stretch = None
        if stretch is None:
            if sample.min() < 0 or sample.max() > 1:
                warnings.warn(f"{name}: stretch=None but the data are outside [0, 1]; "
                              "they are clipped", AstropyUserWarning, stacklevel=3)
            self.sky_limits = self._sky_limits(sample)
            return
        if isinstance(stretch, BaseInterval) and interval is None:
            stretch, interval = "linear", stretch
        if isinstance(stretch, str) and stretch == "auto":
            stretch = "asinh"
        if not isinstance(stretch, (str, BaseStretch)):
            raise TypeError("stretch must be 'auto', 'asinh', 'linear', None or an "
                            f"astropy.visualization stretch, not {type(stretch).__name__}")
        self.stretch = resolve_stretch(stretch, Q=Q)
        vmin, vmax = check_interval(interval).get_limits(sample)
        # float32 arithmetic: bands of a wide image stay half the size
        self.vmin, self.vmax = np.float32(vmin), np.float32(vmax)
        self.sky_limits = self._sky_limits(sample)

    def _sky_limits(self, sample):
        """The display luma at the sky plus ``SKY_SIGMAS`` standard deviations."""
        step = max(1, sample.size // _SKY_SAMPLE)
        values = sample[::step].astype(np.float64)
        scale = float(np.max(np.abs(values))) or 1.0  # the squares neither under- nor overflow
        _, sky, std = sigma_clipped_stats(values / scale, sigma=3.0, maxiters=5)
        raw = torch.tensor([sky + k * std for k in SKY_SIGMAS], dtype=torch.float64) * scale
        low, high = (float(v) for v in self(raw.float()[None])[0][0])
        return low, max(high, low + 1e-3)

    def sky_weight(self, luma):
        """How much predicted colour each pixel gets: 0 at the sky, within its noise, to 1.

        Parameters
        ----------
        luma : `torch.Tensor` or `numpy.ndarray`
            ``(..., ny, nx)`` display luma of this scaling.

        Returns
        -------
        weight : same type as ``luma``
            ``clip((m - l1) / (l2 - l1), 0, 1)``, ``m`` the luma averaged in a
            5 x 5 px box and ``l1``, ``l2`` the luma of the sky level plus
            `SKY_SIGMAS` sky standard deviations (sigma-clipped, from the
            pixels that set the display limits).
        """
        if isinstance(luma, np.ndarray):
            return self.sky_weight(torch.from_numpy(np.asarray(luma, np.float32))).numpy()
        low, high = self.sky_limits
        flat = luma.reshape((-1, 1) + luma.shape[-2:]).float()
        mean = F.avg_pool2d(flat, _SKY_BOX, stride=1, padding=_SKY_BOX // 2,
                            count_include_pad=False)
        return ((mean - low) / (high - low)).clamp_(0, 1).reshape(luma.shape)

    def __call__(self, raw):
        """Luma (float32, 0 where there are no data) and validity of raw rows.

        Parameters
        ----------
        raw : `numpy.ndarray` or `torch.Tensor`
            Raw rows, NaN where there are no data.

        Returns
        -------
        luma, valid : same type as ``raw``
            Display luma in [0, 1] and where it holds data; a tensor on the
            device of ``raw``.
        """
        if isinstance(raw, np.ndarray):
            luma, valid = self(torch.from_numpy(np.asarray(raw, np.float32)))
            return luma.numpy(), valid.numpy()
        raw = raw.float()
        valid = torch.isfinite(raw)
        if self.stretch is None:
            return torch.where(valid, raw, 0.0).clamp_(0, 1), valid
        scaled = torch.where(valid, raw, float(self.vmin))
        scaled = ((scaled - self.vmin) / (self.vmax - self.vmin)).clamp_(0, 1)
        luma = _stretch(self.stretch, scaled).clamp_(0, 1)
        luma[~valid] = 0
        return luma, valid


def _stretch(stretch, x):
    """An astropy stretch of ``x`` in [0, 1], in torch where its formula is known here."""
    if type(stretch) is AsinhStretch:
        a = float(stretch.a)
        return torch.asinh(x / a) / math.asinh(1.0 / a)
    if type(stretch) is LinearStretch and stretch.slope == 1 and stretch.intercept == 0:
        return x
    if type(stretch) is SqrtStretch:
        return torch.sqrt(x)
    out = stretch(x.cpu().numpy(), clip=True)
    return torch.from_numpy(np.asarray(out, np.float32)).to(x.device)


def _limit_sample(read_rows, shape):
    """Finite values on a regular grid of at most `LIMIT_SAMPLE_PIXELS`, and the count
    of non-finite pixels in the whole image."""
    ny, nx = shape
    step = max(1, math.ceil(math.sqrt(ny * nx / LIMIT_SAMPLE_PIXELS)))
    band = step * max(1, BAND_ROWS // step)
    parts, invalid = [], 0
    for start in range(0, ny, band):
        rows = read_rows(start, min(ny, start + band))
        finite = np.isfinite(rows)
        invalid += rows.size - np.count_nonzero(finite)
        grid = rows[::step, ::step]
        parts.append(grid[finite[::step, ::step]])
    return np.concatenate(parts), invalid
