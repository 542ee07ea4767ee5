"""A simulated field in memory and on disk: one FITS image per filter and its catalogue."""

import os
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits
from astropy.table import Table

from ..io import write_fits
from ..io._files import is_fits_name

__all__ = ["SimulatedField", "read_simulated_field"]

_CATALOG_NAME = "catalog.ecsv"


@dataclass(eq=False)
class SimulatedField:
    """A simulated field: one image per filter and the catalogue of its objects.

    Attributes
    ----------
    images : list of `~astropy.io.fits.PrimaryHDU`
        One float32 ``(ny, nx)`` image per filter, blue to red, in nJy per pixel
        (sky included), with a celestial TAN WCS and the keywords ``FILTER``,
        ``PHOTPLAM`` (pivot wavelength, Angstrom), ``BUNIT``, ``MAGZPT`` (AB
        magnitude of one unit), ``EXPTIME``, ``SKYLEVEL`` (mean sky, nJy per
        pixel), ``PSFFWHM`` (arcsec) and HISTORY.
    catalog : `~astropy.table.Table` or `None`
        One row per object (the columns of ``simulate_field``'s ``catalog``),
        with ``ra`` and ``dec`` (deg) and the true AB magnitude ``mag_<filter>`` of
        each object in each filter.
    paths : list of str
        The FITS files, blue to red, when the field was written or read.
    """

    images: list
    catalog: object = None
    paths: list = field(default_factory=list)

    @property
    def filters(self):
        """The filter names, blue to red."""
        return [hdu.header["FILTER"] for hdu in self.images]

    def composite(self, **options):
        """The truth colour composite: `astro_colorgan.stack` of the filters, blue to red.

        ``options`` are passed to `~astro_colorgan.stack`; the files are used
        when the field was written or read, so that the composite's HISTORY
        names them.

        Returns
        -------
        composite : `~astro_colorgan.composite.CompositeImage`
        """
        from ..composite import stack

        return stack(list(self.paths) if self.paths else list(self.images), **options)

    def write(self, folder, *, overwrite=False):
        """Write ``<FILTER>.fits`` per filter and ``catalog.ecsv`` into ``folder``.

        The folder is created if needed. Existing files are replaced only
        with ``overwrite=True`` (`FileExistsError` otherwise, before anything
        is written).
        """
        folder = os.fspath(folder)
        paths = [os.path.join(folder, f"{name}.fits") for name in self.filters]
        outputs = paths + ([os.path.join(folder, _CATALOG_NAME)] if self.catalog is not None
                           else [])
        for path in outputs:
            if os.path.lexists(path) and not overwrite:
                raise FileExistsError(f"File {path} already exists; use overwrite=True "
                                      "to replace it")
        os.makedirs(folder, exist_ok=True)
        for hdu, path in zip(self.images, paths):
            write_fits(hdu, path, overwrite=overwrite)
        if self.catalog is not None:
            self.catalog.write(outputs[-1], format="ascii.ecsv", overwrite=overwrite)
        self.paths = paths


def read_simulated_field(folder):
    """Read a field written by `simulate_fields` or `SimulatedField.write`.

    Parameters
    ----------
    folder : str or path-like
        A field folder: one FITS image per filter and ``catalog.ecsv``.

    Returns
    -------
    field : `SimulatedField`
        The images blue to red (by ``PHOTPLAM``), their ``paths`` in the same
        order and the catalogue (`None` if the folder has none);
        ``field.composite()`` is the truth colour composite.

    Raises
    ------
    OSError
        If ``folder`` is not a folder or holds no simulated image.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder} is not a folder")
    found = []
    for name in sorted(os.listdir(folder)):
        if not is_fits_name(name):
            continue
        path = os.path.join(folder, name)
        with fits.open(path) as hdulist:
            header = hdulist[0].header
            if "FILTER" not in header or "PHOTPLAM" not in header:
                continue
            hdu = fits.PrimaryHDU(np.array(hdulist[0].data), header=header.copy())
        found.append((float(header["PHOTPLAM"]), path, hdu))
    if not found:
        raise FileNotFoundError(f"{folder} holds no simulated image (FITS with FILTER and "
                                "PHOTPLAM)")
    found.sort(key=lambda item: item[0])
    catalog_path = os.path.join(folder, _CATALOG_NAME)
    catalog = Table.read(catalog_path, format="ascii.ecsv") if os.path.exists(catalog_path) \
        else None
    return SimulatedField(images=[item[2] for item in found], catalog=catalog,
                          paths=[item[1] for item in found])
