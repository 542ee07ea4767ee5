"""`Colorizer`: colour for single-band images from a trained model."""

import os
import warnings

import numpy as np
import torch
from astropy import log
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import BaseInterval, BaseStretch

from ..composite import check_interval, resolve_stretch
from ..io import make_rgb_hdu, provenance_history, read_image
from ..nets import chroma_to_rgb, file_sha256, load_model, resolve_device
from ._core import dihedral, frozen_normalisation, pad_to_multiple, predict_chroma, undo_dihedral
from ._tiling import iter_tiles

__all__ = ["Colorizer", "DEFAULT_MODEL", "PREDICTED_COLOURS_NOTE"]

#: Path of the model shipped with the package.
DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "data", "default_model.safetensors")

#: The HISTORY line that every colorized file carries.
PREDICTED_COLOURS_NOTE = ("COLOURS PREDICTED by a machine-learning model from one band; "
                          "they are NOT MEASURED and carry no photometric meaning.")

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

    def _display_luma(self, image, stretch, interval, Q):
        data = image.data
        finite = np.isfinite(data) & ~image.mask
        if not finite.any():
            raise ValueError(f"{image.name} has no finite pixel to colorize")
        if stretch is None:
            values = data[finite]
            if values.min() < 0 or values.max() > 1:
                warnings.warn(f"{image.name}: stretch=None but the data are outside [0, 1]; "
                              "they are clipped", AstropyUserWarning, stacklevel=3)
            luma = np.clip(np.where(finite, data, 0.0), 0, 1)
            return luma.astype(np.float32), finite
        if isinstance(stretch, BaseInterval) and interval is None:
            stretch, interval = "linear", stretch
        if isinstance(stretch, str) and stretch == "auto":
            stretch = "asinh"
        if not isinstance(stretch, (str, BaseStretch)):
            raise TypeError("stretch must be 'auto', 'asinh', 'linear', None or an "
                            f"astropy.visualization stretch, not {type(stretch).__name__}")
        stretch_obj = resolve_stretch(stretch, Q=Q)
        interval = check_interval(interval)
        vmin, vmax = interval.get_limits(data[finite])
        scaled = np.clip((np.where(finite, data, vmin) - vmin) / (vmax - vmin), 0, 1)
        luma = np.clip(stretch_obj(scaled, clip=True), 0, 1)
        return np.where(finite, luma, 0).astype(np.float32), finite

    def _reference(self, luma, context_size):
        """The whole image, shrunk to at most ``context_size``: the source of the
        global context and the normalisation statistics shared by all tiles."""
        from PIL import Image

        ny, nx = luma.shape
        small = luma
        if max(ny, nx) > context_size:
            scale = context_size / max(ny, nx)
            size = (max(16, round(nx * scale)), max(16, round(ny * scale)))
            small = np.asarray(Image.fromarray(luma).resize(size, Image.LANCZOS))
        x = torch.from_numpy(np.array(small, dtype=np.float32))[None, None]
        return pad_to_multiple(x.to(self.device))[0]

    def _tiled_chroma(self, luma, reference, tile, overlap, margin):
        """Chroma of a whole image, tile by tile, blended with smooth weights."""
        ny, nx = luma.shape
        chroma = np.zeros((2, ny, nx), np.float32)
        total = np.zeros((ny, nx), np.float32)
        with frozen_normalisation(self.model, reference) as context:
            for (rows, cols), weight in iter_tiles((ny, nx), tile, overlap):
                # the network sees the tile with a margin of real pixels around it
                # (the overlap-tile strategy), so its border effects fall outside
                big_rows, inner_rows = _with_margin(rows, ny, margin)
                big_cols, inner_cols = _with_margin(cols, nx, margin)
                c = predict_chroma(self.model, luma[big_rows, big_cols], context=context)
                chroma[:, rows, cols] += weight * c[:, inner_rows, inner_cols]
                total[rows, cols] += weight
        return chroma / total

    def predict(self, data, *, stretch="auto", interval=None, Q=8.0, tile=512, overlap=64,
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
        if tile % 16 or tile < 32:
            raise ValueError(f"tile must be a multiple of 16 and at least 32, not {tile}")
        if not 0 <= overlap <= tile // 2:
            raise ValueError(f"overlap must be between 0 and tile/2 = {tile // 2}, not {overlap}")
        margin = tile // 4 if margin is None else int(margin)
        if margin < 0:
            raise ValueError(f"margin must not be negative, not {margin}")
        image = read_image(data, hdu=hdu, plane=plane, dtype=np.float32)
        luma, valid = self._display_luma(image, stretch, interval, Q)
        ny, nx = luma.shape
        reference = self._reference(luma, context_size)
        # with tta, each of the 8 rotations/flips is a whole pass of its own (its
        # own context and normalisation), so the average is exactly symmetric
        passes = range(8) if tta else range(1)
        total = np.zeros((2, ny, nx), np.float64)
        squares = np.zeros((2, ny, nx), np.float64) if tta else None
        for k in passes:
            c = self._tiled_chroma(np.ascontiguousarray(dihedral(luma, k)),
                                   dihedral(reference, k), tile, overlap, margin)
            c = undo_dihedral(c, k)
            total += c
            if tta:
                squares += np.square(c)
        chroma = (total / len(passes)).astype(np.float32)
        spread = None
        if tta:
            variance = np.maximum(squares / len(passes) - np.square(total / len(passes)), 0)
            spread = np.sqrt(variance.sum(0)).astype(np.float32)
            spread[~valid] = np.nan
        log.debug(f"colorized {image.name} ({len(passes)} pass(es) of tile {tile})")
        rgb = chroma_to_rgb(luma.astype(np.float64), np.moveaxis(chroma, 0, -1).astype(np.float64))
        rgb = np.clip(rgb, 0, 1).astype(np.float32)  # clip float rounding only
        rgb[~valid] = np.nan
        options = {"model": self.name, "model_sha256": self.sha256 or "unknown",
                   "stretch": stretch if isinstance(stretch, (str, type(None))) else repr(stretch),
                   "interval": repr(interval) if interval is not None else "default",
                   "Q": Q, "tile": tile, "overlap": overlap, "margin": margin, "tta": tta,
                   "temperature": self.model.temperature, "saturation": self.model.saturation,
                   "hdu": hdu, "plane": plane}
        return {"rgb": rgb, "luma": np.where(valid, luma, np.nan), "spread": spread,
                "image": image, "options": options}

    def colorize(self, data, *, stretch="auto", interval=None, Q=8.0, tile=512, overlap=64,
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
            Images larger than ``tile`` pixels are processed in tiles of that
            size overlapping by ``overlap`` pixels, blended with smooth weights;
            memory use follows the tile, not the image. The global context and
            the normalisation statistics of the whole image (shrunk to 256 px)
            are shared by all tiles so that they agree.
        margin : int, optional
            Pixels of the image around each tile that the network also sees,
            so that its border effects fall outside the tile (default:
            ``tile // 4``).
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

    def colorize_hdu(self, data, *, stretch="auto", interval=None, Q=8.0, tile=512, overlap=64,
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
        history = provenance_history("colorize", [image.name], result["options"])
        history.append(PREDICTED_COLOURS_NOTE)
        primary = make_rgb_hdu(result["rgb"], wcs=image.wcs, history=history)
        for key in _KEPT_KEYWORDS:
            if key in image.header:
                primary.header[key] = image.header[key]
        primary.header["COLORSRC"] = ("PREDICTED", "colours predicted by a model, not measured")
        primary.header["COLORMOD"] = (self.name[:60], "colorizer model file")
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


def _with_margin(span, n, margin):
    """Widen a slice by ``margin`` on both sides (inside [0, n)).

    Returns the wide slice and the slice of the original span inside it.
    """
    start = max(0, span.start - margin)
    stop = min(n, span.stop + margin)
    return slice(start, stop), slice(span.start - start, span.stop - start)
