"""Showing colour images on their sky grid with matplotlib's WCSAxes."""

import numpy as np

__all__ = ["plot_rgb"]


def plot_rgb(rgb, *, wcs=None, ax=None, grid=True):
    """Show an RGB image, with an RA/Dec grid when it has a celestial WCS.

    Parameters
    ----------
    rgb : `~numpy.ndarray`
        ``(ny, nx, 3)`` R, G, B in [0, 1], row 0 at the bottom (FITS order);
        NaN is shown black.
    wcs : `~astropy.wcs.WCS`, optional
        The 2-D celestial WCS of the pixel grid.
    ax : `matplotlib.axes.Axes`, optional
        Where to draw (a `~astropy.visualization.wcsaxes.WCSAxes` for sky
        coordinates); by default new axes on a new figure, with the WCS's
        projection when there is one.
    grid : bool
        Draw the RA/Dec coordinate grid (with a WCS).

    Returns
    -------
    ax : `matplotlib.axes.Axes`
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(6, 6))
        ax = fig.add_subplot(projection=wcs) if wcs is not None else fig.add_subplot()
    ax.imshow(np.nan_to_num(np.clip(rgb, 0, 1)), origin="lower")
    coords = getattr(ax, "coords", None)
    if coords is not None and wcs is not None:
        coords[0].set_axislabel("Right ascension")
        coords[1].set_axislabel("Declination")
        if grid:
            coords.grid(color="white", alpha=0.35, linestyle=":")
    return ax
