"""`RGBImage`: the colour image on a sky grid that `stack` and the colorizer return."""

from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from ..io import write_fits, write_rgb_image
from ..io._fitsout import rgb_cube_header
from ._plot import plot_rgb

__all__ = ["RGBImage"]


@dataclass(eq=False, repr=False)
class RGBImage:
    """A display-ready colour image on a pixel grid, with its provenance.

    The one result type of the package: `~astro_colorgan.stack` returns the
    `~astro_colorgan.composite.CompositeImage` kind, the colorizer the
    `~astro_colorgan.colorize.ColorizedImage` kind; both write and show
    themselves the same way.

    Attributes
    ----------
    rgb : `~numpy.ndarray`
        Float32, shape ``(ny, nx, 3)``, channels R, G, B in [0, 1], row 0 at
        the bottom (FITS order); NaN where there are no data. A view of a
        ``(3, ny, nx)`` cube (``np.moveaxis(rgb, -1, 0)`` gives it back
        without a copy).
    wcs : `~astropy.wcs.WCS` or `None`
        The 2-D celestial WCS of the grid.
    names : list of str
        The inputs (for a composite, the filters blue to red).
    history : list of str
        Provenance: package version, inputs and every option (HISTORY cards).

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan.composite import RGBImage
    >>> image = RGBImage(np.zeros((4, 5, 3), np.float32), None, names=["a", "b"])
    >>> image
    <RGBImage shape=(4, 5) names=['a', 'b'] no WCS>
    >>> image.to_hdulist()[0].data.shape
    (3, 4, 5)
    """

    rgb: np.ndarray
    wcs: object
    names: list = field(default_factory=list)
    history: list = field(default_factory=list)

    @property
    def shape(self):
        """The grid shape ``(ny, nx)``."""
        return self.rgb.shape[:2]

    def __repr__(self):
        ny, nx = self.shape
        details = "".join(f" {item}" for item in self._repr_details())
        return (f"<{type(self).__name__} shape=({ny}, {nx}) names={list(self.names)!r} "
                f"{self._centre()}{details}>")

    def _repr_details(self):
        """Further short facts for the repr (none here)."""
        return []

    def _centre(self):
        """The WCS's world coordinates at the grid's centre, in words."""
        if self.wcs is None:
            return "no WCS"
        ny, nx = self.shape
        lon, lat = (float(value) for value in
                    self.wcs.pixel_to_world_values((nx - 1) / 2, (ny - 1) / 2))
        axes = "/".join(ctype.split("-")[0] or "?" for ctype in self.wcs.wcs.ctype)
        return f"centre {axes} ({lon:.6f}, {lat:.6f}) deg"

    def _primary_header(self):
        """The header of the primary HDU (``rgb_cube_header``'s)."""
        return rgb_cube_header(self.shape, wcs=self.wcs, history=self.history)

    def _extensions(self):
        """The image extensions after the primary HDU (none here)."""
        return []

    def to_hdu(self):
        """Return the `~astropy.io.fits.PrimaryHDU` with the ``(3, ny, nx)`` R, G, B cube.

        Returns
        -------
        hdu : `~astropy.io.fits.PrimaryHDU`
            A float32 cube of shape ``(3, ny, nx)``, planes R, G, B, with the
            celestial WCS on axes 1 and 2 and the HISTORY (see
            `~astro_colorgan.io.make_rgb_hdu`).
        """
        # no copy when rgb is a view of a (3, ny, nx) float32 cube
        cube = np.ascontiguousarray(np.moveaxis(self.rgb, -1, 0), dtype=np.float32)
        return fits.PrimaryHDU(data=cube, header=self._primary_header())

    def to_hdulist(self):
        """The FITS form: the primary R, G, B cube (`to_hdu`) and any image extensions.

        Returns
        -------
        hdul : `~astropy.io.fits.HDUList`
        """
        return fits.HDUList([self.to_hdu(), *self._extensions()])

    def write_fits(self, path, *, overwrite=False):
        """Write `to_hdulist` to a FITS file, whole or not at all.

        Parameters
        ----------
        path : str or path-like
            A FITS file name (``.fits``, ``.fit``, ``.fts``, or these with ``.gz``).
        overwrite : bool, optional
            Replace an existing file.
        """
        write_fits(self.to_hdulist(), path, overwrite=overwrite)

    def write_image(self, path, *, format=None, overwrite=False):
        """Write a PNG, JPEG or TIFF image with AVM tags.

        Parameters
        ----------
        path : str or path-like
            The image file.
        format : str, optional
            ``'PNG'``, ``'JPEG'`` or ``'TIFF'`` (default: from the name).
        overwrite : bool, optional
            Replace an existing file.

        See `~astro_colorgan.io.write_rgb_image`.
        """
        write_rgb_image(self.rgb, path, wcs=self.wcs, format=format, overwrite=overwrite)

    def plot(self, ax=None, **kwargs):
        """Show the image, with an RA/Dec grid on WCSAxes when it has a WCS.

        Parameters
        ----------
        ax : `matplotlib.axes.Axes`, optional
            Where to draw (default: new axes, with the WCS's projection).
        **kwargs
            Further options of ``plot_rgb`` (``grid``).

        Returns
        -------
        ax : `matplotlib.axes.Axes`
        """
        return plot_rgb(self.rgb, wcs=self.wcs, ax=ax, **kwargs)
