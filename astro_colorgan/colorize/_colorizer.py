"""`Colorizer`: colour for single-band images from a trained model."""

import os
from pathlib import Path

import numpy as np
import torch
from astropy import log
from astropy.io import fits

from ..io import (check_fits_name, check_output_path, fits_cube_writer, fits_text,
                  open_image_rows, provenance_history, read_image, rgb_cube_header, write_fits)
from ..nets import chroma_to_rgb, file_sha256, load_model, resolve_device
from ._bands import DisplayScaling, chroma_bands, thumbnail
from ._core import dihedral, pad_to_multiple, undo_dihedral

__all__ = ["Colorizer", "DEFAULT_MODEL", "PREDICTED_COLOURS_NOTE"]

#: Path of the model shipped with the package.
DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "data", "default_model.safetensors")

#: The HISTORY line that every colorized file carries.
PREDICTED_COLOURS_NOTE = ("COLOURS PREDICTED by a machine-learning model from one band; "
                          "they are NOT MEASURED and carry no photometric meaning.")

#: Pixels of image around each tile that the network also sees (its border effects
#: fall there): measured on 1024 px photographs, 128 px keep a tiled result within
#: 0.5 % of the untiled one, 64 px within 5 %.
DEFAULT_MARGIN = 128

_KEPT_KEYWORDS = ("OBJECT", "TELESCOP", "INSTRUME", "FILTER", "DATE-OBS", "MJD-OBS",
                  "EXPTIME", "OBSERVER", "BUNIT")


class Colorizer:
    """Predict colour for single-band astronomical images.

    The model sees the Rec. 709 luma of the display-scaled image and predicts
    chroma; the output's luma equals the input exactly (see
    `astro_colorgan.nets.chroma_to_rgb`). The colours are a prediction of what a
    deep-sky colour photograph of such an object would look like, not a
    measurement.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        A trained model.
    name : str
        Name of the model, for provenance.
    sha256 : str, optional
        SHA-256 of the model file, for provenance.
    info : dict, optional
        Metadata stored with the model (training recipe, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan import Colorizer
    >>> colorizer = Colorizer.pretrained()
    >>> y, x = np.mgrid[:64, :64]
    >>> image = np.exp(-((x - 32) ** 2 + (y - 30) ** 2) / 60.0)
    >>> rgb = colorizer.colorize(image, stretch=None)
    >>> rgb.shape
    (64, 64, 3)
    >>> bool(np.allclose(0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2],
    ...                  image, atol=1e-5))
    True
    """

    def __init__(self, model, *, name="custom", sha256=None, info=None):
        self.model = model.eval()
        self.name = name
        self.sha256 = sha256
        self.info = dict(info or {})

    @property
    def device(self):
        """The `torch.device` the model runs on."""
        return next(self.model.parameters()).device

    @classmethod
    def from_file(cls, path, *, device="auto"):
        """Load a model saved by ``astro-colorize train`` (safetensors, no pickle).

        Parameters
        ----------
        path : str or path-like
            The ``.safetensors`` model file.
        device : str
            ``'auto'`` (a CUDA GPU where there is one, else the CPU), ``'cpu'``
            or ``'cuda'``.

        Returns
        -------
        `Colorizer`

        Raises
        ------
        OSError
            If the file is missing or not a safetensors file.
        ValueError
            If it holds another architecture, or ``device`` is unavailable.
        """
        dev = resolve_device(device)
        model, info = load_model(path, device=dev)
        name = os.path.basename(os.fspath(path))
        return cls(model, name=name, sha256=file_sha256(path), info=info)

    @classmethod
    def pretrained(cls, *, device="auto"):
        """The default model shipped with the package.

        Trained with ``astro-colorize train --preset default`` on the training
        split of the stellarium-data deep-sky photographs; see the model card
        in the documentation.
        """
        return cls.from_file(DEFAULT_MODEL, device=device)

    # -- the pipeline ---------------------------------------------------------

    def _reference(self, small):
        """The whole image's thumbnail as a padded tensor: the source of the global
        context and the normalisation statistics shared by all tiles."""
        x = torch.from_numpy(np.array(small, dtype=np.float32))[None, None]
        return pad_to_multiple(x.to(self.device))[0]

    @staticmethod
    def _check_tiling(tile, overlap, margin):
        if tile % 16 or tile < 32:
            raise ValueError(f"tile must be a multiple of 16 and at least 32, not {tile}")
        if not 0 <= overlap <= tile // 2:
            raise ValueError(f"overlap must be between 0 and tile/2 = {tile // 2}, not {overlap}")
        margin = DEFAULT_MARGIN if margin is None else int(margin)
        if margin < 0:
            raise ValueError(f"margin must not be negative, not {margin}")
        return margin

    def _options(self, *, stretch, interval, Q, tile, overlap, margin, tta, hdu, plane):
        return {"model": self.name, "model_sha256": self.sha256 or "unknown",
                "stretch": stretch if isinstance(stretch, (str, type(None))) else repr(stretch),
                "interval": repr(interval) if interval is not None else "default",
                "Q": Q, "tile": tile, "overlap": overlap, "margin": margin, "tta": tta,
                "temperature": self.model.temperature, "saturation": self.model.saturation,
                "hdu": hdu, "plane": plane}

    def _header(self, shape, wcs, header, name, options):
        """The primary header of an output: WCS, kept keywords and provenance."""
        history = provenance_history("colorize", [name], options)
        history.append(PREDICTED_COLOURS_NOTE)
        out = rgb_cube_header(shape, wcs=wcs, history=history)
        for key in _KEPT_KEYWORDS:
            if key in header:
                out[key] = header[key]
        out["COLORSRC"] = ("PREDICTED", "colours predicted by a model, not measured")
        out["COLORMOD"] = (fits_text(self.name)[:60], "colorizer model file")
        return out

    def predict(self, data, *, stretch="auto", interval=None, Q=8.0, tile=1024, overlap=64,
                margin=None, tta=False, hdu=None, plane=None, context_size=256):
        """Colorize, returning the intermediate products too.

        Parameters are those of `colorize`.

        Returns
        -------
        result : dict
            ``rgb`` ``(ny, nx, 3)``, ``luma`` ``(ny, nx)`` (the display-scaled
            input), ``spread`` ``(ny, nx)`` or None, ``image`` (the
            `~astro_colorgan.io.ImageData` read) and ``options`` (a dict).
        """
        margin = self._check_tiling(tile, overlap, margin)
        image = read_image(data, hdu=hdu, plane=plane, dtype=np.float32)
        ny, nx = image.shape
        scaling = DisplayScaling(lambda start, stop: image.data[start:stop], (ny, nx),
                                 stretch=stretch, interval=interval, Q=Q, name=image.name)
        luma, valid = scaling(image.data)
        reference = self._reference(thumbnail(lambda start, stop: luma[start:stop], (ny, nx),
                                              context_size))
        # with tta, each of the 8 rotations/flips is a whole pass of its own (its
        # own context and normalisation), so the average is exactly symmetric
        passes = range(8) if tta else range(1)
        total = squares = None
        for k in passes:
            turned = np.ascontiguousarray(dihedral(luma, k))
            c = np.empty((2,) + turned.shape, np.float32)
            for start, stop, band, _ in chroma_bands(
                    self.model, lambda start, stop: (turned[start:stop],), turned.shape,
                    dihedral(reference, k), tile=tile, overlap=overlap, margin=margin):
                c[:, start:stop] = band
            c = undo_dihedral(c, k)
            if not tta:
                chroma = c
                break
            if total is None:
                total, squares = np.zeros(c.shape), np.zeros(c.shape)
            total += c
            squares += np.square(c, dtype=np.float64)
        spread = None
        if tta:
            chroma = (total / len(passes)).astype(np.float32)
            variance = np.maximum(squares / len(passes) - np.square(total / len(passes)), 0)
            spread = np.sqrt(variance.sum(0)).astype(np.float32)
            spread[~valid] = np.nan
        log.debug(f"colorized {image.name} ({len(passes)} pass(es) of tile {tile})")
        rgb = _recompose(luma, chroma, valid, self.device)
        options = self._options(stretch=stretch, interval=interval, Q=Q, tile=tile,
                                overlap=overlap, margin=margin, tta=tta, hdu=hdu, plane=plane)
        return {"rgb": rgb, "luma": np.where(valid, luma, np.nan), "spread": spread,
                "image": image, "options": options}

    def colorize(self, data, *, stretch="auto", interval=None, Q=8.0, tile=1024, overlap=64,
                 margin=None, tta=False, hdu=None, plane=None):
        """Predict a colour image.

        Parameters
        ----------
        data : str, path-like, HDUList, image HDU, tuple, NDData, CCDData or `~numpy.ndarray`
            A single-band image in any form `~astro_colorgan.io.read_image`
            accepts, shape ``(ny, nx)``.
        stretch : 'auto', 'asinh', 'linear', str, None or `~astropy.visualization.BaseStretch`
            How raw data are scaled for display before colorizing: ``'auto'``
            (the default) is the asinh stretch of Lupton et al. with a
            sky-to-99.5 % interval; ``None`` means the data are already
            display-scaled in [0, 1]. An `~astropy.visualization.BaseInterval`
            may be given here or as ``interval``.
        interval : `~astropy.visualization.BaseInterval`, optional
            Limits mapped to 0 and 1 before the stretch.
        Q : float
            Softening of the asinh stretch.
        tile, overlap : int
            Images larger than ``tile`` pixels are processed in tiles of at
            most that size (as few as possible, spread evenly, see
            `~astro_colorgan.colorize.tile_size`) overlapping by at least
            ``overlap`` pixels, blended with smooth weights; memory use
            follows the tile, not the image. The global context and
            the normalisation statistics of the whole image (shrunk to 256 px)
            are shared by all tiles so that they agree.
        margin : int, optional
            Pixels of the image around each tile that the network also sees,
            so that its border effects fall outside the tile (default: 128).
        tta : bool
            Average the predictions of the 8 rotations/flips (8 times slower).
        hdu : int or str, optional
            The HDU of a multi-extension FITS input.
        plane : int, optional
            The plane of a 3-D input.

        Returns
        -------
        rgb : `~numpy.ndarray`
            float32 ``(ny, nx, 3)`` R, G, B in [0, 1], NaN where the input is
            NaN or masked; row order as the input's.
        """
        return self.predict(data, stretch=stretch, interval=interval, Q=Q, tile=tile,
                            overlap=overlap, margin=margin, tta=tta, hdu=hdu, plane=plane)["rgb"]

    def colorize_hdu(self, data, *, stretch="auto", interval=None, Q=8.0, tile=1024, overlap=64,
                     margin=None, tta=False, hdu=None, plane=None):
        """Predict a colour image as FITS HDUs that keep the WCS and the provenance.

        Parameters are those of `colorize`.

        Returns
        -------
        hdul : `~astropy.io.fits.HDUList`
            A primary HDU with a float32 ``(3, ny, nx)`` cube (planes R, G, B)
            carrying the input's celestial WCS, some of its keywords (OBJECT,
            FILTER, DATE-OBS, ...) and HISTORY cards: package version, input,
            model name and SHA-256, every option, and a line saying that the
            colours were predicted, not measured. With ``tta=True`` an image
            extension ``CHROMA_SPREAD`` holds the per-pixel standard deviation
            of the predicted chroma over the 8 rotations/flips (in Cb, Cr units;
            larger means less certain colour).
        """
        result = self.predict(data, stretch=stretch, interval=interval, Q=Q, tile=tile,
                              overlap=overlap, margin=margin, tta=tta, hdu=hdu, plane=plane)
        image = result["image"]
        header = self._header(image.shape, image.wcs, image.header, image.name,
                              result["options"])
        primary = fits.PrimaryHDU(
            data=np.ascontiguousarray(np.moveaxis(result["rgb"], -1, 0)), header=header)
        hdus = [primary]
        if result["spread"] is not None:
            spread = fits.ImageHDU(result["spread"].astype(np.float32), name="CHROMA_SPREAD")
            if image.wcs is not None:
                spread.header.update(image.wcs.to_header())
            spread.header["BUNIT"] = ("", "standard deviation of chroma (Cb, Cr) over 8 "
                                      "rotations/flips")
            spread.header.add_history("colour uncertainty: spread of the predicted chroma")
            spread.header.add_history("over the 8 rotations/flips of the input")
            hdus.append(spread)
        return fits.HDUList(hdus)

    def colorize_file(self, data, output, *, stretch="auto", interval=None, Q=8.0, tile=1024,
                      overlap=64, margin=None, tta=False, hdu=None, plane=None,
                      overwrite=False, context_size=256):
        """Colorize an image into a FITS file, band by band for FITS files of any size.

        A FITS file given by its path is read band by band from disk (with
        `~astro_colorgan.io.open_image_rows`) and the output cube is written
        band by band (with `~astro_colorgan.io.fits_cube_writer`), so that the
        memory used depends on the tile size and the image width, not on the
        image: a 20000 x 20000 float32 image (1.6 GB) is colorized in well
        under 2 GB (see the performance page of the documentation). The result
        is the same as that of `colorize_hdu` written with
        `~astro_colorgan.io.write_fits`. Other inputs, and ``tta=True`` (whose
        8 rotated passes need the whole image), go through `colorize_hdu`.

        Parameters
        ----------
        data : str, path-like or any input of `colorize`
            The single-band image.
        output : str or path-like
            The FITS file to write; it appears whole or not at all.
        overwrite : bool
            Replace an existing output.
        stretch, interval, Q, tile, overlap, margin, tta, hdu, plane
            As for `colorize`.

        Returns
        -------
        output : str
            The path written.

        Raises
        ------
        FileExistsError
            If ``output`` exists and ``overwrite`` is False (checked before any work).
        """
        output = os.fspath(output)
        check_fits_name(output)
        check_output_path(output, overwrite=overwrite)
        options = dict(stretch=stretch, interval=interval, Q=Q, tile=tile, overlap=overlap,
                       margin=margin, tta=tta, hdu=hdu, plane=plane)
        if tta or not isinstance(data, (str, Path)):
            write_fits(self.colorize_hdu(data, **options), output, overwrite=overwrite)
            return output
        margin = options["margin"] = self._check_tiling(tile, overlap, margin)
        with open_image_rows(data, hdu=hdu, plane=plane) as image:
            scaling = DisplayScaling(image.read, image.shape, stretch=stretch, interval=interval,
                                     Q=Q, name=image.name, warn_non_finite=True)

            def read_luma(start, stop):
                return scaling(image.read(start, stop))[0]

            reference = self._reference(thumbnail(read_luma, image.shape, context_size))
            header = self._header(image.shape, image.wcs, image.header, image.name,
                                  self._options(**options))
            with fits_cube_writer(output, header, overwrite=overwrite) as writer:
                for start, stop, chroma, (luma, valid) in chroma_bands(
                        self.model, lambda start, stop: scaling(image.read(start, stop)),
                        image.shape, reference, tile=tile, overlap=overlap, margin=margin):
                    # recomposed in slices of rows, so that its temporaries stay small
                    for first in range(0, stop - start, _RECOMPOSE_ROWS):
                        last = min(stop - start, first + _RECOMPOSE_ROWS)
                        rgb = _recompose(luma[first:last], chroma[:, first:last],
                                         valid[first:last], self.device)
                        writer.write_rows(start + first, np.moveaxis(rgb, -1, 0))
                    del chroma, luma, valid, rgb  # not held while the next rows are read
        log.debug(f"colorized {image.name} band by band into {output}")
        return output


#: Rows recomposed into RGB at a time by `Colorizer.colorize_file`.
_RECOMPOSE_ROWS = 64


def _recompose(luma, chroma, valid, device):
    """RGB ``(ny, nx, 3)`` float32 from luma ``(ny, nx)`` and chroma ``(2, ny, nx)``;
    NaN where ``valid`` is False. On a GPU the arithmetic runs there."""
    luma = np.asarray(luma, np.float32)
    chroma = np.moveaxis(np.asarray(chroma, np.float32), 0, -1)
    if device.type == "cuda":
        with torch.no_grad():
            rgb = chroma_to_rgb(torch.from_numpy(luma).to(device),
                                torch.from_numpy(np.ascontiguousarray(chroma)).to(device))
            rgb = rgb.clamp_(0, 1).cpu().numpy()
    else:
        rgb = chroma_to_rgb(luma, chroma)
        np.clip(rgb, 0, 1, out=rgb)  # float rounding only
    rgb[~valid] = np.nan
    return rgb
