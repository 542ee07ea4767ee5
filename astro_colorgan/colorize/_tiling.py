"""Overlapping tiles blended with smooth weights."""

import math

import numpy as np

__all__ = ["check_tiling", "tile_size", "tile_starts", "tile_weight", "tile_rows", "iter_tiles"]


def check_tiling(tile, overlap):
    """Refuse tile sizes and overlaps that the colorizer cannot use.

    Parameters
    ----------
    tile : int
        The tile size in pixels: a multiple of 16 (the generator's stride), at least 32.
    overlap : int
        The overlap of neighbouring tiles: 0 to ``tile // 2``.

    Raises
    ------
    ValueError
        If either is out of range or not a whole number.

    Examples
    --------
    >>> check_tiling(1024, 64)
    >>> check_tiling(7, 0)
    Traceback (most recent call last):
    ...
    ValueError: tile must be a multiple of 16 and at least 32, not 7
    """
    for name, value in (("tile", tile), ("overlap", overlap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number of pixels, not {value!r}")
    if tile % 16 or tile < 32:
        raise ValueError(f"tile must be a multiple of 16 and at least 32, not {tile}")
    if not 0 <= overlap <= tile // 2:
        raise ValueError(f"overlap must be between 0 and tile/2 = {tile // 2}, not {overlap}")


def tile_size(n, tile, overlap):
    """The size of the tiles along an axis of ``n`` pixels: at most ``tile``.

    The fewest tiles of at most ``tile`` pixels that cover the axis with
    overlaps of at least ``overlap`` are used, each as small as that count
    allows, so that no tile is spent on a sliver at the end.

    Examples
    --------
    >>> tile_size(1000, 512, 64), tile_size(300, 512, 64)
    (376, 300)
    """
    count = _tile_count(n, tile, overlap)
    return math.ceil((n + (count - 1) * overlap) / count)


def _tile_count(n, tile, overlap):
    """The fewest tiles of at most ``tile`` pixels that cover ``n`` with ``overlap``."""
    if tile <= overlap:
        raise ValueError(f"tile ({tile}) must be larger than overlap ({overlap})")
    return 1 if n <= tile else math.ceil((n - overlap) / (tile - overlap))


def tile_starts(n, tile, overlap):
    """First pixel of each tile along an axis of ``n`` pixels.

    The tiles have ``tile_size`` pixels, are spread evenly and overlap by at
    least ``overlap``; the first starts at 0, the last ends at ``n``.

    Examples
    --------
    >>> tile_starts(1000, 512, 64)
    [0, 312, 624]
    >>> tile_starts(300, 512, 64)
    [0]
    """
    count = _tile_count(n, tile, overlap)
    if count == 1:
        return [0]
    size = tile_size(n, tile, overlap)
    return [round(i * (n - size) / (count - 1)) for i in range(count)]


def _ramp(length, lo_open, hi_open, overlap):
    w = np.ones(length)
    if overlap > 0:
        r = 0.5 - 0.5 * np.cos(np.pi * (np.arange(overlap) + 0.5) / overlap)
        if lo_open:
            w[:overlap] = r
        if hi_open:
            w[length - overlap:] = np.minimum(w[length - overlap:], r[::-1])
    return w


def tile_weight(shape, *, top, bottom, left, right, overlap):
    """Blending weight of a tile: raised-cosine ramps on its sides that have neighbours.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)`` of the tile.
    top, bottom, left, right : bool
        Whether another tile overlaps that side.
    overlap : int
        Width of the ramps (px).

    Returns
    -------
    weight : `numpy.ndarray`
        ``(ny, nx)`` float32 weights in (0, 1].
    """
    wy = _ramp(shape[0], top, bottom, min(overlap, shape[0] // 2))
    wx = _ramp(shape[1], left, right, min(overlap, shape[1] // 2))
    return np.outer(wy, wx).astype(np.float32)


def tile_rows(shape, tile, overlap):
    """The tiles covering an image, one row of tiles at a time.

    Yields
    ------
    rows : slice
        The rows of this row of tiles (top to bottom).
    tiles : iterator
        ``(columns, weight)`` of each tile of the row, left to right: its
        columns (a slice) and its blending weight (see ``tile_weight``),
        computed as the iterator is consumed.
    """
    ny, nx = shape
    ys, xs = tile_starts(ny, tile, overlap), tile_starts(nx, tile, overlap)
    hy, hx = tile_size(ny, tile, overlap), tile_size(nx, tile, overlap)

    def row(i):
        for j, x0 in enumerate(xs):
            yield slice(x0, x0 + hx), tile_weight(
                (hy, hx), top=i > 0, bottom=i < len(ys) - 1, left=j > 0,
                right=j < len(xs) - 1, overlap=overlap)

    for i, y0 in enumerate(ys):
        yield slice(y0, y0 + hy), row(i)


def iter_tiles(shape, tile, overlap):
    """The tiles covering an image (see `tile_rows`).

    Yields
    ------
    slices : tuple of slice
        ``(rows, columns)`` of the tile.
    weight : `numpy.ndarray`
        Its blending weight (see ``tile_weight``).
    """
    for rows, tiles in tile_rows(shape, tile, overlap):
        for cols, weight in tiles:
            yield (rows, cols), weight
