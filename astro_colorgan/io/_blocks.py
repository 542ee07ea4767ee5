"""Block averaging that keeps the WCS right, for PC/CDELT, CD and SIP headers."""

import math
import warnings

import numpy as np

__all__ = ["block_wcs", "block_average"]


def _check_factor(factor):
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive integer, not {factor!r}")
    return int(factor)


def _scaled_sip(sip, factor, crpix):
    from astropy.wcs import Sip

    def scaled(matrix):
        if matrix is None:
            return None
        p, q = np.indices(matrix.shape)
        return matrix * float(factor) ** (p + q - 1)

    return Sip(scaled(sip.a), scaled(sip.b), scaled(sip.ap), scaled(sip.bp), crpix)


def block_wcs(wcs, factor):
    """The WCS of a grid whose pixels are ``factor`` × ``factor`` blocks of ``wcs``'s pixels.

    Block ``(j, i)`` (0-based) covers pixels ``factor * j`` to
    ``factor * j + factor - 1``; its centre is at ``factor * j + (factor - 1) / 2``
    in the original grid. The reference pixel moves to
    ``(CRPIX - 0.5) / factor + 0.5``; the CD matrix (or CDELT, under a PC
    matrix) is multiplied by ``factor``; SIP coefficients ``A_p_q`` (and ``B``,
    ``AP``, ``BP``), which act on pixel offsets, by ``factor ** (p + q - 1)``.
    Slicing a WCS (``wcs[::f, ::f]``) scales CDELT only, which a CD matrix
    overrides: that is why this function exists.

    Parameters
    ----------
    wcs : `~astropy.wcs.WCS`
        A 2-D celestial WCS.
    factor : int
        Block size in pixels.

    Returns
    -------
    `~astropy.wcs.WCS`
        A new WCS; ``pixel_shape`` is the number of blocks (partial blocks
        count) when ``wcs`` has one.

    Raises
    ------
    ValueError
        For a factor that is not a positive integer, or a WCS that is not 2-D
        or carries lookup-table distortions, which cannot be rescaled.

    Examples
    --------
    >>> from astropy.wcs import WCS
    >>> wcs = WCS(naxis=2)
    >>> wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    >>> wcs.wcs.crpix = [50.5, 50.5]
    >>> wcs.wcs.cd = [[-1e-4, 0], [0, 1e-4]]
    >>> coarse = block_wcs(wcs, 4)
    >>> float(coarse.wcs.crpix[0]), float(coarse.wcs.cd[0, 0])
    (13.0, -0.0004)
    """
    factor = _check_factor(factor)
    if wcs.naxis != 2:
        raise ValueError(f"block_wcs takes a 2-D WCS, not one with {wcs.naxis} axes")
    if wcs.cpdis1 is not None or wcs.cpdis2 is not None or wcs.det2im1 is not None \
            or wcs.det2im2 is not None:
        raise ValueError("the WCS has lookup-table distortions, which cannot be rescaled "
                         "to blocks; resample the image onto an undistorted grid first")
    out = wcs.deepcopy()
    crpix = (np.asarray(wcs.wcs.crpix, float) - 0.5) / factor + 0.5
    out.wcs.crpix = crpix
    if wcs.wcs.has_cd():
        out.wcs.cd = np.asarray(wcs.wcs.cd, float) * factor
    else:
        out.wcs.cdelt = np.asarray(wcs.wcs.cdelt, float) * factor
    if wcs.sip is not None:
        out.sip = _scaled_sip(wcs.sip, factor, crpix)
    if wcs.pixel_shape is not None:
        out.pixel_shape = tuple(math.ceil(n / factor) for n in wcs.pixel_shape)
    out.wcs.set()
    return out


def block_average(data, factor, *, wcs=None):
    """Average an image in ``factor`` × ``factor`` blocks, with the WCS of the blocks.

    Parameters
    ----------
    data : `~numpy.ndarray`
        ``(ny, nx)`` image; NaN pixels are left out of their block's mean.
    factor : int
        Block size in pixels. Partial blocks at the top and right edges are
        averaged over the pixels they have.
    wcs : `~astropy.wcs.WCS`, optional
        The image's WCS; the result then has `block_wcs` of it.

    Returns
    -------
    blocks : `~numpy.ndarray`
        ``(ceil(ny / factor), ceil(nx / factor))``, float32 for float32 or
        integer input, else float64; NaN where a block has no finite pixel.
    wcs : `~astropy.wcs.WCS` or None
        The WCS of the blocks.

    Examples
    --------
    >>> import numpy as np
    >>> blocks, _ = block_average(np.arange(16.0).reshape(4, 4), 2)
    >>> blocks.tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    factor = _check_factor(factor)
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"block_average takes a 2-D image, not shape {data.shape}")
    dtype = np.float64 if data.dtype == np.float64 else np.float32
    ny, nx = data.shape
    my, mx = math.ceil(ny / factor), math.ceil(nx / factor)
    padded = np.full((my * factor, mx * factor), np.nan, dtype)
    padded[:ny, :nx] = data
    blocks = padded.reshape(my, factor, mx, factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # blocks with no finite pixel
        out = np.nanmean(blocks, axis=(1, 3)).astype(dtype)
    return out, (None if wcs is None else block_wcs(wcs, factor))
