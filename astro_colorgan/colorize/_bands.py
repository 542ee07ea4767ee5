"""The colorizer's pipeline on bands of rows, so that memory follows the tile, not the image.

Both the in-memory path (`Colorizer.predict`) and the out-of-core path
(`Colorizer.colorize_file`) run these functions on a ``read_rows(start, stop)``
callable, so they give the same result for the same image.
"""

import math
import warnings

import numpy as np
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import BaseInterval, BaseStretch

from ..composite import check_interval, resolve_stretch
from ._core import frozen_normalisation, predict_chroma
from ._tiling import tile_rows

__all__ = ["LIMIT_SAMPLE_PIXELS", "DisplayScaling", "thumbnail", "chroma_bands"]

#: At most this many pixels, on a regular grid, set the display limits.
LIMIT_SAMPLE_PIXELS = 2 ** 22

#: Rows read at a time by the passes over the whole image.
_BAND_ROWS = 256


class DisplayScaling:
    """The display stretch of raw data to luma in [0, 1], with limits from the whole image.

    The interval's limits are computed once, from the finite pixels on a
    regular grid of at most `LIMIT_SAMPLE_PIXELS` pixels (every pixel of
    images up to 4 megapixels), read band by band.

    Parameters
    ----------
    read_rows : callable
        ``read_rows(start, stop)`` returns rows ``start`` to ``stop`` of the
        raw image as a float array, NaN where there are no data.
    shape : tuple of int
        ``(ny, nx)``.
    stretch, interval, Q
        As for `Colorizer.colorize`.
    name : str
        The image's name, for messages.
    warn_non_finite : bool
        Warn about NaN/inf pixels (as `~astro_colorgan.io.read_image` does for
        pixels no mask flags); set it to False where the reader already did.
    """

    def __init__(self, read_rows, shape, *, stretch, interval, Q, name, warn_non_finite=False):
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

    def __call__(self, raw):
        """Luma (float32, 0 where there are no data) and validity of raw rows."""
        raw = np.asarray(raw, np.float32)
        valid = np.isfinite(raw)
        if self.stretch is None:
            luma = np.clip(np.where(valid, raw, np.float32(0)), 0, 1)
            return luma, valid
        scaled = np.where(valid, raw, self.vmin)
        scaled -= self.vmin
        scaled /= self.vmax - self.vmin
        np.clip(scaled, 0, 1, out=scaled)
        luma = np.asarray(self.stretch(scaled, clip=True), np.float32)
        np.clip(luma, 0, 1, out=luma)
        luma[~valid] = 0
        return luma, valid


def _limit_sample(read_rows, shape):
    """Finite values on a regular grid of at most `LIMIT_SAMPLE_PIXELS`, and the count
    of non-finite pixels in the whole image."""
    ny, nx = shape
    step = max(1, math.ceil(math.sqrt(ny * nx / LIMIT_SAMPLE_PIXELS)))
    band = step * max(1, _BAND_ROWS // step)
    parts, invalid = [], 0
    for start in range(0, ny, band):
        rows = read_rows(start, min(ny, start + band))
        finite = np.isfinite(rows)
        invalid += rows.size - np.count_nonzero(finite)
        grid = rows[::step, ::step]
        parts.append(grid[finite[::step, ::step]])
    return np.concatenate(parts), invalid


def thumbnail(read_luma, shape, size):
    """The whole image shrunk to at most ``size`` pixels, read band by band.

    Images larger than ``2 * size`` are first averaged in blocks of an integer
    number of pixels (exact, band by band), then resampled with a Lanczos
    filter.

    Parameters
    ----------
    read_luma : callable
        ``read_luma(start, stop)`` returns rows of the display-scaled luma.
    shape : tuple of int
        ``(ny, nx)``.
    size : int
        Longest side of the result.

    Returns
    -------
    small : `numpy.ndarray`
        float32 image, longest side at most ``size``.
    """
    from PIL import Image

    ny, nx = shape
    if max(ny, nx) <= size:
        return np.array(read_luma(0, ny), dtype=np.float32)
    factor = max(1, max(ny, nx) // (2 * size))
    band = factor * max(1, _BAND_ROWS // factor)
    columns = np.arange(0, nx, factor)
    blocks = []
    for start in range(0, ny, band):
        rows = np.asarray(read_luma(start, min(ny, start + band)), dtype=np.float64)
        sums = np.add.reduceat(np.add.reduceat(rows, np.arange(0, len(rows), factor), axis=0),
                               columns, axis=1)
        heights = np.minimum(factor, len(rows) - np.arange(0, len(rows), factor))
        widths = np.minimum(factor, nx - columns)
        blocks.append(sums / np.outer(heights, widths))
    small = np.concatenate(blocks).astype(np.float32)
    scale = size / max(ny, nx)
    target = (max(16, round(nx * scale)), max(16, round(ny * scale)))
    return np.asarray(Image.fromarray(small).resize(target, Image.LANCZOS), dtype=np.float32)


def chroma_bands(model, read_rows, shape, reference, *, tile, overlap, margin):
    """Predict chroma tile by tile and yield it in finished bands of rows.

    Tiles of at most ``tile`` pixels (`~astro_colorgan.colorize.tile_rows`)
    overlap by at least ``overlap`` and are blended with raised-cosine
    weights; the network sees each tile with ``margin`` pixels of the image
    around it. All tiles share the global context and the GroupNorm
    statistics of ``reference`` (see `frozen_normalisation`). Only one row of
    tiles is held in memory at a time, and each row of the image is read once
    per row of tiles that covers it.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        The model, in evaluation mode.
    read_rows : callable
        ``read_rows(start, stop)`` returns a tuple of full-width arrays for
        those rows, the display luma first (e.g. luma and validity).
    shape : tuple of int
        ``(ny, nx)``.
    reference : `torch.Tensor`
        ``(1, 1, h, w)`` thumbnail of the whole image, sizes multiples of 16.
    tile, overlap, margin : int
        Tiling (see `Colorizer.colorize`).

    Yields
    ------
    start, stop : int
        The rows of the band; bands come in order and cover the image once.
    chroma : `numpy.ndarray`
        ``(2, stop - start, nx)`` float32 Cb, Cr.
    rows : tuple of `numpy.ndarray`
        What ``read_rows`` returned, cut to the rows of the band (it was
        read for the tiles already). These are views: drop them before asking
        for the next band, or two bands' reads are held at once.
    """
    ny, nx = shape
    done = 0
    total = np.zeros((2, 0, nx), np.float32)
    weights = np.zeros((0, nx), np.float32)
    read, r0 = None, 0

    def finished(stop):
        """The band from ``done`` to ``stop``, whose every tile has been added."""
        band = tuple(part[done - r0:stop - r0] for part in read)
        return done, stop, total[:, :stop - done] / weights[:stop - done], band

    with frozen_normalisation(model, reference) as context:
        for rows, tiles in tile_rows(shape, tile, overlap):
            if rows.start > done:  # no later tile reaches above this row of tiles
                yield finished(rows.start)
                total, weights = total[:, rows.start - done:], weights[rows.start - done:]
                done = rows.start
            grow = rows.stop - done - weights.shape[0]
            if grow > 0:
                total = np.concatenate([total, np.zeros((2, grow, nx), np.float32)], axis=1)
                weights = np.concatenate([weights, np.zeros((grow, nx), np.float32)])
            r0, r1 = max(0, rows.start - margin), min(ny, rows.stop + margin)
            read = None  # the previous rows go before the next are read
            read = read_rows(r0, r1)
            luma = read[0]
            inner = slice(rows.start - done, rows.stop - done)
            for cols, weight in tiles:
                c0, c1 = max(0, cols.start - margin), min(nx, cols.stop + margin)
                # the overlap-tile strategy: border effects fall in the margin
                chroma = predict_chroma(model, luma[:, c0:c1], context=context)
                total[:, inner, cols] += weight * chroma[:, rows.start - r0:rows.stop - r0,
                                                         cols.start - c0:cols.stop - c0]
                weights[inner, cols] += weight
        yield finished(ny)
