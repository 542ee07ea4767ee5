"""Showing colour images on their sky grid with matplotlib's WCSAxes."""

import numpy as np

__all__ = ["plot_rgb"]


def _rgba(rgb):
    """``(ny, nx, 4)`` float32 R, G, B in [0, 1] and alpha: transparent where any channel
    has no data (NaN), so that the footprint shows."""
    rgb = np.asarray(rgb, dtype=np.float32)
    covered = np.isfinite(rgb).all(axis=-1)
    rgba = np.empty(rgb.shape[:2] + (4,), np.float32)
    rgba[..., :3] = np.clip(np.nan_to_num(rgb), 0, 1)
    rgba[..., 3] = covered
    return rgba


def plot_rgb(rgb, *, wcs=None, ax=None, grid=True, hatch="///"):
    """Show an RGB image, with an RA/Dec grid when it has a celestial WCS.

    Pixels without data (NaN in any channel: where no filter covers) are
    transparent, over a hatched background, so that the footprint shows.

    Parameters
    ----------
    rgb : `~numpy.ndarray`
        ``(ny, nx, 3)`` R, G, B in [0, 1], row 0 at the bottom (FITS order);
        NaN where there are no data.
    wcs : `~astropy.wcs.WCS`, optional
        The 2-D celestial WCS of the pixel grid.
    ax : `matplotlib.axes.Axes`, optional
        Where to draw (a `~astropy.visualization.wcsaxes.WCSAxes` for sky
        coordinates); by default new axes on a new figure of matplotlib's
        default size, with the WCS's projection when there is one, laid out
        so that the axis and tick labels fit.
    grid : bool
        Draw the RA/Dec coordinate grid (with a WCS).
    hatch : str or None
        The hatching of the axes' background, which shows where there are
        no data (a matplotlib hatch pattern; None for none).

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> rgb = np.full((8, 8, 3), 0.5, np.float32)
    >>> rgb[:, :2] = np.nan                      # no data: transparent, hatched
    >>> ax = plot_rgb(rgb)
    >>> ax.images[0].get_array().shape
    (8, 8, 4)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(layout="constrained")
        ax = fig.add_subplot(projection=wcs) if wcs is not None else fig.add_subplot()
    if hatch:
        ax.patch.set_hatch(hatch)
        ax.patch.set_edgecolor("0.75")
    ax.imshow(_rgba(rgb), origin="lower")
    coords = getattr(ax, "coords", None)
    if coords is not None and wcs is not None:
        coords[0].set_axislabel("Right ascension")
        coords[1].set_axislabel("Declination")
        if grid:
            coords.grid(color="white", alpha=0.35, linestyle=":")
    return ax
