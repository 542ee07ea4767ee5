"""The colorizer's one pipeline: rows in, display scaling, tiled prediction, recomposition, rows out.

Everything between reading and writing runs in torch on the model's device:
the display scaling of each band of rows, the network on overlapping tiles,
their blending and the recomposition of RGB. The same pipeline serves an
image held in memory and a FITS file read and written band by band
(`Colorizer.colorize_file`); only the row source and the row sink differ,
so the two give the same bytes.
"""

import numpy as np
import torch
import torch.nn.functional as F

from .._progress import progress_bar
from ..colorspace import chroma_to_rgb
from ._core import dihedral, frozen_normalisation, pad_to_multiple, undo_dihedral
from ._scaling import BAND_ROWS
from ._tiling import tile_rows, tile_starts

__all__ = ["InputRows", "thumbnail", "chroma_bands", "recompose", "run"]

#: Rows recomposed into RGB and handed to the sink at a time.
SINK_ROWS = 64


class InputRows:
    """The network's input, rows at a time: display-scaled luma, hint and subject planes.

    Parameters
    ----------
    read_raw : callable
        ``read_raw(start, stop)`` returns raw rows (numpy, NaN where there are
        no data).
    shape : tuple of int
        ``(ny, nx)``.
    scaling : `~astro_colorgan.colorize.DisplayScaling`
        The display scaling of the raw rows.
    device : `torch.device`
        Where the rows go.
    hints : `numpy.ndarray`, optional
        ``(5, ny, nx)`` hint planes (``HINT_CHANNELS``) of
        a guided model; zeros are used where a guided model gets none.
    n_hints : int
        Number of hint planes the model takes (0 for a single-band model).
    subject : `numpy.ndarray`, optional
        ``(4,)`` the values of the subject planes (``SUBJECT_CHANNELS``) of a
        subject-conditioned model, appended after the hint planes.
    """

    def __init__(self, read_raw, shape, scaling, device, *, hints=None, n_hints=0,
                 subject=None):
        self.read_raw = read_raw
        self.shape = tuple(shape)
        self.scaling = scaling
        self.device = device
        self.hints = hints
        self.n_hints = n_hints
        self.subject = None if subject is None else torch.as_tensor(
            np.asarray(subject, np.float32), device=device)

    def __call__(self, start, stop):
        """Rows ``start:stop``: input ``(C, rows, nx)`` and validity ``(rows, nx)`` tensors."""
        raw = torch.from_numpy(np.ascontiguousarray(self.read_raw(start, stop), np.float32))
        luma, valid = self.scaling(raw.to(self.device))
        planes = [luma[None]]
        if self.n_hints and self.hints is None:
            planes.append(luma.new_zeros((self.n_hints,) + luma.shape))
        elif self.n_hints:
            hints = torch.from_numpy(np.ascontiguousarray(self.hints[:, start:stop]))
            planes.append(hints.to(self.device))
        if self.subject is not None:
            planes.append(self.subject[:, None, None].expand((-1,) + luma.shape))
        return (torch.cat(planes) if len(planes) > 1 else planes[0]), valid


def thumbnail(read_input, shape, size):
    """The whole input shrunk to at most ``size`` pixels, read band by band.

    Inputs larger than ``2 * size`` are first averaged in blocks of an
    integer number of pixels (exact, band by band, in torch), then each plane
    is resampled with PIL's Lanczos filter.

    Parameters
    ----------
    read_input : callable
        ``read_input(start, stop)`` returns ``(C, rows, nx)`` input rows and their validity.
    shape : tuple of int
        ``(ny, nx)``.
    size : int
        Longest side of the result.

    Returns
    -------
    small : `torch.Tensor`
        ``(C, my, mx)`` float32 on the input's device, longest side at most ``size``.
    """
    from PIL import Image

    ny, nx = shape
    if max(ny, nx) <= size:
        return read_input(0, ny)[0].float()
    factor = max(1, max(ny, nx) // (2 * size))
    band = factor * max(1, BAND_ROWS // factor)
    blocks = []
    for start in range(0, ny, band):
        rows = read_input(start, min(ny, start + band))[0].double()
        device = rows.device
        blocks.append(F.avg_pool2d(rows[None], factor, ceil_mode=True)[0])
    small = torch.cat(blocks, dim=1).float().cpu().numpy()
    scale = size / max(ny, nx)
    target = (max(16, round(nx * scale)), max(16, round(ny * scale)))
    planes = [np.asarray(Image.fromarray(p).resize(target, Image.LANCZOS), np.float32)
              for p in small]
    return torch.from_numpy(np.stack(planes)).to(device)


def _predict(model, x, context, decoding):
    """Full-resolution chroma ``(2, ny, nx)`` for one input tile ``(C, ny, nx)``."""
    ny, nx = x.shape[1:]
    padded, _ = pad_to_multiple(x[None])
    raw = model.generator(padded, context)
    options = dict(decoding or {})
    sky = options.pop("sky_weight", None)
    if sky is not None:  # no predicted colour on the sky, within its noise
        options["weight"] = sky(padded[:, :1])
    full = model.decode(raw, padded, **options)[0, :, :ny, :nx].float()
    if not bool(torch.isfinite(full).all()):
        raise ValueError("the model gave non-finite colour (NaN or infinity): its weights are "
                         "damaged, or they overflow on this device")
    return full


def chroma_bands(model, read_input, shape, reference, *, tile, overlap, margin,
                 decoding=None):
    """Predict chroma tile by tile and yield it in finished bands of rows.

    Tiles of at most ``tile`` pixels (``tile_rows``)
    overlap by at least ``overlap`` and are blended with raised-cosine
    weights; the network sees each tile with ``margin`` pixels of the image
    around it. All tiles share the global context and the GroupNorm
    statistics of ``reference`` (see `frozen_normalisation`). Only one row of
    tiles is held at a time, and each row of the image is read once per row
    of tiles that covers it.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        The model, in evaluation mode.
    read_input : callable
        ``read_input(start, stop)`` returns full-width ``(C, rows, nx)`` input
        rows and their ``(rows, nx)`` validity, as tensors on the model's device.
    shape : tuple of int
        ``(ny, nx)``.
    reference : `torch.Tensor`
        ``(C, h, w)`` thumbnail of the whole input.
    tile, overlap, margin : int
        Tiling (see `~astro_colorgan.Colorizer`).
    decoding : dict, optional
        Keyword arguments of `~astro_colorgan.nets.ColorModel.decode`
        (``temperature``, ``saturation``, ``hedge``), and ``sky_weight``: a
        callable giving the ``weight`` from a tile's ``(1, 1, h, w)`` luma.

    Yields
    ------
    start, stop : int
        The rows of the band; bands come in order and cover the image once.
    chroma : `torch.Tensor`
        ``(2, stop - start, nx)`` Cb, Cr.
    rows : tuple of `torch.Tensor`
        The input rows and validity of the band (read for the tiles already).
    """
    ny, nx = shape
    device = reference.device
    done = 0
    total = torch.zeros((2, 0, nx), device=device)
    weights = torch.zeros((0, nx), device=device)
    read, r0 = None, 0
    padded_reference = pad_to_multiple(reference[None])[0]
    n_tiles = len(tile_starts(ny, tile, overlap)) * len(tile_starts(nx, tile, overlap))
    with torch.no_grad(), frozen_normalisation(model, padded_reference) as context, \
            progress_bar(n_tiles) as step:  # a bar on a terminal (the CLI without -q)
        for rows, tiles in tile_rows(shape, tile, overlap):
            if rows.start > done:  # no later tile reaches above this row of tiles
                yield _finished(total, weights, read, r0, done, rows.start)
                total, weights = total[:, rows.start - done:], weights[rows.start - done:]
                done = rows.start
            grow = rows.stop - done - weights.shape[0]
            if grow > 0:
                total = torch.cat([total, total.new_zeros((2, grow, nx))], dim=1)
                weights = torch.cat([weights, weights.new_zeros((grow, nx))])
            r0, r1 = max(0, rows.start - margin), min(ny, rows.stop + margin)
            read = None  # the previous rows go before the next are read
            read = read_input(r0, r1)
            x = read[0]
            inner = slice(rows.start - done, rows.stop - done)
            for cols, weight in tiles:
                c0, c1 = max(0, cols.start - margin), min(nx, cols.stop + margin)
                # the overlap-tile strategy: border effects fall in the margin
                chroma = _predict(model, x[:, :, c0:c1], context, decoding)
                weight = torch.from_numpy(weight).to(device)
                total[:, inner, cols] += weight * chroma[:, rows.start - r0:rows.stop - r0,
                                                         cols.start - c0:cols.stop - c0]
                weights[inner, cols] += weight
                step()
        yield _finished(total, weights, read, r0, done, ny)


def _finished(total, weights, read, r0, done, stop):
    """The band from ``done`` to ``stop``, whose every tile has been added."""
    band = tuple(part[..., done - r0:stop - r0, :] for part in read)
    return done, stop, total[:, :stop - done] / weights[:stop - done], band


def recompose(x, chroma, valid):
    """RGB ``(3, rows, nx)`` from input rows, chroma and validity, on their device: the
    input's luma kept exactly (`~astro_colorgan.colorspace.chroma_to_rgb`), NaN where
    ``valid`` is False."""
    rgb = chroma_to_rgb(x[0], chroma, axis=0).clamp_(0, 1)
    rgb[:, ~valid] = float("nan")
    return rgb


def _predict_all(model, x, reference, *, tile, overlap, margin, decoding):
    """Chroma of a whole input held in memory, averaged over the 8 rotations/flips, and
    its spread over them."""
    total = squares = None
    for k in range(8):
        turned = dihedral(x, k).contiguous()
        chroma = turned.new_empty((2,) + turned.shape[1:])
        for start, stop, band, _ in chroma_bands(
                model, lambda a, b: (turned[:, a:b],), turned.shape[1:],
                dihedral(reference, k).contiguous(), tile=tile, overlap=overlap,
                margin=margin, decoding=decoding):
            chroma[:, start:stop] = band
        chroma = undo_dihedral(chroma, k).double()
        total = chroma if total is None else total + chroma
        squares = chroma ** 2 if squares is None else squares + chroma ** 2
    mean = total / 8
    variance = (squares / 8 - mean ** 2).clamp(min=0)
    return mean.float(), variance.sum(0).sqrt().float()


def run(model, read_input, shape, sink, *, tile, overlap, margin, context_size=256, tta=False,
        decoding=None):
    """Colorize an input, rows in and rows out.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        The model, in evaluation mode.
    read_input : `InputRows`
        The input rows, on the model's device.
    shape : tuple of int
        ``(ny, nx)``.
    sink : callable
        ``sink(start, stop, rgb, x, chroma, valid, spread)`` receives finished
        rows in order: ``rgb`` ``(3, rows, nx)`` numpy float32 and the tensors
        it was made from (``spread`` is None without ``tta``).
    tile, overlap, margin, context_size : int
        Tiling and the size of the thumbnail that gives the global context.
    tta : bool
        Average the 8 rotations/flips (needs the whole input in memory).
    decoding : dict, optional
        How the network's output is decoded (see `chroma_bands`).
    """
    ny, nx = shape
    reference = thumbnail(read_input, shape, context_size)
    if tta:
        x, valid = read_input(0, ny)
        chroma, spread = _predict_all(model, x, reference, tile=tile, overlap=overlap,
                                      margin=margin, decoding=decoding)
        bands = [(0, ny, chroma, (x, valid))]
    else:
        spread = None
        bands = chroma_bands(model, read_input, shape, reference, tile=tile,
                             overlap=overlap, margin=margin, decoding=decoding)
    for start, stop, chroma, (x, valid) in bands:
        # recomposed in slices of rows, so that its temporaries stay small
        for first in range(0, stop - start, SINK_ROWS):
            last = min(stop - start, first + SINK_ROWS)
            a, b = start + first, start + last
            rgb = recompose(x[:, first:last], chroma[:, first:last], valid[first:last])
            sink(a, b, rgb.cpu().numpy(), x[:, first:last], chroma[:, first:last],
                 valid[first:last], None if spread is None else spread[a:b])
        del chroma, x, valid  # not held while the next rows are read
