"""`Colorizer`: colour for astronomical images from a trained model, guided by measured colour."""

import dataclasses
import numbers
import os
import warnings
from pathlib import Path

import numpy as np
from astropy import log
from astropy.utils.exceptions import AstropyDeprecationWarning
from astropy.visualization import BaseInterval, BaseStretch

from ..colorspace import rgb_to_luma
from ..composite._stretch import check_Q
from ..io import ImageData, open_image_rows, provenance_history, read_image
from ..io._fitsout import fits_cube_writer
from ..nets import load_model
from ..nets._model import file_sha256, resolve_device
from ._pipeline import InputRows, run
from ._result import ColorizedImage, colorized_header, predicted_green_note
from ._scaling import DisplayScaling
from ._subject import SUBJECTS, choose_subject, filter_sequence

__all__ = ["Colorizer", "DEFAULT_MODEL", "SINGLE_BAND_MODEL", "GUIDED_MIX_MODEL", "FUSION_MODEL"]

_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
#: Path of the single-band model shipped with the package (``--preset default``), from
#: which the guided model starts.
SINGLE_BAND_MODEL = os.path.join(_DATA, "single_band_model.safetensors")
#: Path of the default model shipped with the package: the subject-conditioned
#: guided model (``--preset subjects``).
DEFAULT_MODEL = os.path.join(_DATA, "default_model.safetensors")
#: Path of the guided model without subject planes (``--preset guided-mix``, the
#: default of version 0.5), from which the default model starts.
GUIDED_MIX_MODEL = os.path.join(_DATA, "guided_mix_model.safetensors")
#: Path of the fusion model shipped with the package (see the guided-colour page for
#: the command that trains it): the residual network of guided colour.
FUSION_MODEL = os.path.join(_DATA, "fusion_model.safetensors")

#: ``palette=`` of earlier versions, and the subject each now means.
_PALETTE_SUBJECTS = {"photographs": "photograph", "fields": "field"}

#: How far predicted colour is pulled towards neutral where the model's bin
#: probabilities disagree on a hue (``hedge``, per subject): chosen on the
#: validation splits by ``benchmarks/bench_single_band.py``: no hedge for either
#: (on fields only 3 % of images are worse than grey without it and a hedge of 1
#: changes nothing; on photographs a hedge of 1 or 2 takes the colourfulness ratio
#: from 0.83 to 0.59 or 0.45 and leaves 41 % of the images worse than grey).
DEFAULT_HEDGE = {"photograph": 0.0, "field": 0.0}

#: Pixels of image around each tile that the network also sees (its border effects
#: fall there): measured on 1024 px photographs, 128 px keep a tiled result within
#: 0.5 % of the untiled one, 64 px within 5 %.
DEFAULT_MARGIN = 128


class Colorizer:
    """Colour for astronomical images: measured where it is measured, predicted elsewhere.

    Configured once, like `astropy.visualization.RGBImageMapping`, then
    applied to any number of images with `colorize`. The model sees the
    Rec. 709 luma of the display-scaled image, plus, for a guided model given
    ``colour=``, the measured colour brought onto the image's grid; it
    predicts chroma, and the output keeps the luminance exactly (or, for two
    filters of three, their red and blue).

    Parameters
    ----------
    model : str, path-like, `~astro_colorgan.nets.ColorModel`, `Colorizer` or None
        A model file written by ``astro-colorize train`` (safetensors, no
        pickle), a model, another colorizer (whose model and the decodings
        stored with it are shared), or None for the default model shipped
        with the package.
    device : str
        ``'auto'`` (a CUDA GPU where there is one, else the CPU), ``'cpu'``
        or ``'cuda'``: where the network, the display scaling, the blending
        of tiles and the recomposition run.
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
        Images larger than ``tile`` pixels are processed in tiles of at most
        that size (a multiple of 16, at least 32), overlapping by at least
        ``overlap`` pixels and blended with smooth weights; memory use follows
        the tile, not the image. The global context and the normalisation
        statistics of the whole image (shrunk to ``context_size``) are shared
        by all tiles so that they agree.
    margin : int
        Pixels of the image around each tile that the network also sees, so
        that its border effects fall outside the tile.
    tta : bool
        Average the predictions of the 8 rotations/flips (8 times slower) and
        return their spread as the colour `~ColorizedImage.uncertainty`.
    context_size : int
        Longest side of the thumbnail that gives the global context.
    subject : {'auto', 'photograph', 'field'}
        What the images are, for predicted colour (measured colour is never
        changed): a deep-sky colour photograph, or a broadband survey field to
        be coloured as `~astro_colorgan.stack` of its filters would show it.
        ``'auto'`` (the default) takes FITS images whose header names a
        broadband filter (``FILTER``, ``PHOTPLAM``, with ``INSTRUME``) for
        fields and everything else (display images, data without filter
        keywords, ``stretch=None``) for photographs; see
        `~astro_colorgan.colorize.choose_subject`. A subject-conditioned model
        is told the subject; every model decodes with the decoding chosen on
        that subject's validation split, where it has one. HISTORY records
        the subject and why.
    filters : sequence or str, optional
        For fields: the filters, blue to red (names such as ``'g'``,
        ``'F606W'``, or wavelengths in nm; or one comma-separated string,
        ``'g,r,i'``), whose composite the colour is to
        look like (default: about 0.76x to 1.32x the colorized filter's
        wavelength, as g, r, i around r).
    hedge : float, optional
        Predicted colour is multiplied by ``c ** hedge``, ``c`` in [0, 1] how
        much the model's probable colours agree on a hue: larger values pull
        uncertain colour towards neutral. Default: the value chosen on the
        subject's validation split (``DEFAULT_HEDGE``).
    neutral_sky : bool
        Give no predicted colour to the sky within its noise: predicted
        colour fades in from 1 to 3 sky standard deviations above the sky
        level (of the luma averaged over 5 x 5 px; see
        `~astro_colorgan.colorize.DisplayScaling.sky_weight`).
    palette : {None, 'photographs', 'fields'}
        Deprecated: ``subject='photograph'`` or ``'field'``.
    fusion : str, path-like, `~astro_colorgan.fusion.DetailNet`, None or False
        The residual network of guided colour (``colour=`` given): a fusion
        model file, a network, None for the one shipped with the package, or
        False for the classical fusion alone. It is applied to display-ready
        colour; linear flux gets the classical fusion (where the shipped
        network did not beat it on validation).

    Examples
    --------
    >>> import numpy as np
    >>> from astro_colorgan import Colorizer
    >>> colorizer = Colorizer(stretch=None)
    >>> y, x = np.mgrid[:64, :64]
    >>> image = np.exp(-((x - 32) ** 2 + (y - 30) ** 2) / 60.0)
    >>> result = colorizer.colorize(image)
    >>> result.rgb.shape
    (64, 64, 3)
    >>> rgb = result.rgb
    >>> bool(np.allclose(0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2],
    ...                  image, atol=1e-5))
    True
    """

    def __init__(self, model=None, *, device="auto", stretch="auto", interval=None, Q=8.0,
                 tile=1024, overlap=64, margin=DEFAULT_MARGIN, tta=False, context_size=256,
                 subject="auto", filters=None, hedge=None, neutral_sky=True, fusion=None,
                 palette=None):
        if tile % 16 or tile < 32:
            raise ValueError(f"tile must be a multiple of 16 and at least 32, not {tile}")
        if not 0 <= overlap <= tile // 2:
            raise ValueError(f"overlap must be between 0 and tile/2 = {tile // 2}, not {overlap}")
        if margin < 0:
            raise ValueError(f"margin must not be negative, not {margin}")
        if context_size < 16:
            raise ValueError(f"context_size must be at least 16, not {context_size}")
        if not (stretch is None or isinstance(stretch, (str, BaseStretch, BaseInterval))):
            raise ValueError("stretch must be 'auto', 'asinh', 'linear', None or an "
                             f"astropy.visualization stretch, not {type(stretch).__name__}")
        check_Q(Q)
        subject = _subject_of_palette(palette, subject)
        if subject not in SUBJECTS:
            raise ValueError(f"subject must be one of {', '.join(map(repr, SUBJECTS))}, not "
                             f"{subject!r}")
        choose_subject("field", filters=filters)  # the filters are known ones
        if hedge is not None and (isinstance(hedge, bool) or not isinstance(
                hedge, numbers.Real) or not 0 <= hedge < float("inf")):
            raise ValueError(f"hedge must be a finite number of at least 0, not {hedge!r}")
        dev = resolve_device(device)
        self._load_model(model, dev)
        self.subject = subject
        self.filters = None if filters is None else filter_sequence(filters)
        self.hedge, self.neutral_sky = hedge, bool(neutral_sky)
        if subject == "field" and self.decodings["field"] is None and not self.model.subjects:
            raise ValueError(f"the model {self.name} knows nothing of survey fields (it was "
                             "trained without simulated fields)")
        self._load_fusion(fusion, dev)
        self.stretch, self.interval, self.Q = stretch, interval, Q
        self.tile, self.overlap, self.margin = int(tile), int(overlap), int(margin)
        self.tta, self.context_size = bool(tta), int(context_size)

    def _load_model(self, model, device):
        """The colour model, its name and checksum, and its decodings per subject."""
        self.info = {}
        if isinstance(model, Colorizer):
            self.info, self.name, self.sha256 = model.info, model.name, model.sha256
            model = model.model.to(device)
        elif model is None or isinstance(model, (str, os.PathLike)):
            path = DEFAULT_MODEL if model is None else os.fspath(model)
            model, self.info = load_model(path, device=device)
            self.name, self.sha256 = os.path.basename(path), file_sha256(path)
        else:
            model = model.to(device)
            self.name, self.sha256 = "custom", None
        self.model = model.eval()
        # the photographs' decoding is the model's own; the fields' is stored with it
        # ('subjects'; 'palettes' in models of version 0.5)
        stored = self.info.get("subjects") or {
            "field": self.info.get("palettes", {}).get("fields")}
        field = stored.get("field")
        self.decodings = {
            "photograph": {"temperature": model.temperature, "saturation": model.saturation},
            "field": None if field is None else {key: float(field[key]) for key in
                                                 ("temperature", "saturation")}}

    def _decoding(self, subject, scaling):
        """The keyword arguments of the model's decoding for a subject and display scaling."""
        decoding = dict(self.decodings.get(subject.kind) or self.decodings["photograph"])
        decoding["hedge"] = DEFAULT_HEDGE[subject.kind] if self.hedge is None else self.hedge
        if self.neutral_sky and scaling is not None:
            decoding["sky_weight"] = scaling.sky_weight
        return decoding

    def choose_subject(self, data, *, hdu=None, plane=None):
        """The subject this colorizer takes an image for (see ``subject``).

        Parameters
        ----------
        data, hdu, plane
            As for `colorize`.

        Returns
        -------
        `~astro_colorgan.colorize.Subject`
        """
        from ..composite import RGBImage

        if isinstance(data, RGBImage):
            return choose_subject(self.subject, None, filters=self.filters, display_ready=True)
        image = read_image(data, hdu=hdu, plane=plane, dtype=np.float32)
        return self._subject(image, self.stretch)

    def _subject(self, image, stretch):
        subject = choose_subject(self.subject, image.header, filters=self.filters,
                                 display_ready=stretch is None)
        log.debug(f"{image.name}: coloured as a {subject.describe()}")
        return subject

    def _load_fusion(self, fusion, device):
        """The fusion network of guided colour (None: the shipped one; False: classical)."""
        from ..fusion._model import load_fusion_model

        self.fusion_name, self.fusion_sha256 = "classical", None
        if fusion is False:
            self.fusion = None
        elif fusion is None or isinstance(fusion, (str, os.PathLike)):
            path = FUSION_MODEL if fusion is None else os.fspath(fusion)
            self.fusion = load_fusion_model(path, device=device)[0]
            self.fusion_name, self.fusion_sha256 = os.path.basename(path), file_sha256(path)
        else:
            self.fusion = fusion.to(device).eval()
            self.fusion_name = "custom"

    def __repr__(self):
        kind = "guided" if self.model.generator.in_channels > 1 else "single-band"
        options = "".join(f" {name}={value!r}" for name, value in (
            ("stretch", self.stretch), ("Q", self.Q), ("tta", self.tta)) if value != {
                "stretch": "auto", "Q": 8.0, "tta": False}[name])
        return (f"<Colorizer model={self.name} ({kind}) subject={self.subject!r} "
                f"fusion={self.fusion_name} device={self.device}{options}>")

    @classmethod
    def pretrained(cls, **options):
        """The default model shipped with the package, configured with ``options``.

        The guided model trained with ``astro-colorize train --preset
        guided-mix`` on the training split of the stellarium-data deep-sky
        photographs and simulated HST ACS fields; see the model card in the
        documentation.
        """
        return cls(None, **options)

    @property
    def device(self):
        """The `torch.device` the model runs on."""
        return next(self.model.parameters()).device

    def _options(self, hdu, plane, fused, *, stretch, subject, decoding):
        return {"model": self.name, "model_sha256": self.sha256 or "unknown",
                "stretch": stretch if isinstance(stretch, (str, type(None))) else repr(stretch),
                "interval": repr(self.interval) if self.interval is not None else "default",
                "Q": self.Q, "tile": self.tile, "overlap": self.overlap, "margin": self.margin,
                "tta": self.tta, "subject": subject.describe(),
                "temperature": decoding["temperature"], "saturation": decoding["saturation"],
                "hedge": decoding["hedge"], "neutral_sky": self.neutral_sky,
                "hdu": hdu, "plane": plane,
                "colour": ", ".join(fused.names) if fused is not None else None,
                "fusion": f"{self.fusion_name} (sha256 {self.fusion_sha256 or 'unknown'})"}

    def _input_rows(self, read_raw, shape, name, *, stretch, warn_non_finite, subject):
        scaling = DisplayScaling(read_raw, shape, stretch=stretch, interval=self.interval,
                                 Q=self.Q, name=name, warn_non_finite=warn_non_finite)
        return InputRows(read_raw, shape, scaling, self.device,
                         n_hints=5 if self.model.hints else 0,
                         subject=subject.vector if self.model.subjects else None)

    def _run(self, source, shape, sink, decoding):
        run(self.model, source, shape, sink, tile=self.tile, overlap=self.overlap,
            margin=self.margin, context_size=self.context_size, tta=self.tta,
            decoding=decoding)

    def colorize(self, data, *, colour=None, hdu=None, plane=None):
        """Colour for an image.

        Parameters
        ----------
        data : str, path-like, HDUList, image HDU, tuple, NDData, CCDData, ndarray or RGBImage
            The luminance: a single-band image in any form
            `~astro_colorgan.io.read_image` accepts, shape ``(ny, nx)``; or
            a colour image (`~astro_colorgan.composite.RGBImage`, such as
            `~astro_colorgan.stack` returns), whose Rec. 709 luma is taken as
            display-ready (as with ``stretch=None``).
        colour : list, str, HDU, `~numpy.ndarray` or RGBImage, optional
            Measured colour, fused with the image by pan-sharpening (see
            `~astro_colorgan.fusion.fuse_images`): two or three filter
            images blue to red, each with a celestial WCS (background
            subtracted and reprojected onto a grid ``f`` times coarser than
            the image's, ``f`` their pixel-scale ratio rounded; or, without a
            WCS, a coarser grid spanning the image), fused in linear flux and
            shown with ``stack``'s colour-preserving Lupton scaling; or a
            display-ready colour image, fused with the display-scaled image:
            a ``(3, ny, nx)`` FITS colour cube with WCS, a composite that
            `~astro_colorgan.stack` returned, an ``(ny, nx, 3)`` RGB array in
            [0, 1] on the image's grid or a ``(3, my, mx)`` coarser one. The
            fused colour is the classical estimate (colour ratios) plus the
            fusion network's residual, projected so that it reproduces the
            colour frames; only where no frame covers is colour predicted.
        hdu : int or str, optional
            The HDU of a multi-extension FITS input.
        plane : int, optional
            The plane of a 3-D input.

        Returns
        -------
        `ColorizedImage`
        """
        from ..composite import RGBImage

        if isinstance(data, RGBImage):
            image, stretch = _luma_image(data, hdu=hdu, plane=plane), None
        else:
            image = read_image(data, hdu=hdu, plane=plane, dtype=np.float32)
            stretch = self.stretch
        subject = self._subject(image, stretch)
        if colour is not None:
            return self._colorize_guided(image, colour, stretch=stretch, hdu=hdu, plane=plane,
                                         subject=subject)
        source = self._input_rows(lambda a, b: image.data[a:b], image.shape, image.name,
                                  stretch=stretch, warn_non_finite=False, subject=subject)
        sink = _ArraySink(image.shape, self.tta)
        decoding = self._decoding(subject, source.scaling)
        self._run(source, image.shape, sink, decoding)
        history = provenance_history("colorize", [image.name], self._options(
            hdu, plane, None, stretch=stretch, subject=subject, decoding=decoding))
        header = colorized_header(image.shape, wcs=image.wcs, source_header=image.header,
                                  history=history, model_name=self.name)
        log.debug(f"colorized {image.name} ({'8 passes' if self.tta else 'one pass'}, "
                  f"tile {self.tile})")
        return ColorizedImage(
            rgb=np.moveaxis(sink.rgb, 0, -1), luminance=sink.luminance, chroma=sink.chroma,
            wcs=image.wcs, header=header, uncertainty=sink.spread, name=image.name,
            names=[image.name], history=history)

    def _colorize_guided(self, image, colour, *, stretch, hdu, plane, subject):
        """`colorize` with measured colour: fused where measured, predicted where not."""
        from ._guided import fusion_note, guided_colour, luminance_and_chroma

        guided = guided_colour(self, image, colour, stretch=stretch)
        fused, rgb = guided.fused, guided.rgb
        decoding = None
        if (fused.measured == 0).any():  # where no frame covers, the colour is predicted
            luma = rgb_to_luma(np.nan_to_num(rgb), axis=0).astype(np.float32)
            luma[~np.isfinite(image.data)] = np.nan
            source = self._input_rows(lambda a, b: luma[a:b], luma.shape, image.name,
                                      stretch=None, warn_non_finite=False, subject=subject)
            sink = _ArraySink(luma.shape, False)
            decoding = self._decoding(subject, source.scaling)
            self._run(source, luma.shape, sink, decoding)
            rgb = np.where(fused.measured[None] > 0, rgb, sink.rgb)
        decoding = decoding or self._decoding(subject, None)
        luminance, chroma = luminance_and_chroma(rgb)
        history = provenance_history("colorize", [image.name, *fused.names], self._options(
            hdu, plane, fused, stretch=stretch, subject=subject, decoding=decoding))
        header = colorized_header(image.shape, wcs=image.wcs, source_header=image.header,
                                  history=history, model_name=self.fusion_name,
                                  fusion_note=fusion_note(fused, self.fusion_name))
        return ColorizedImage(
            rgb=np.moveaxis(rgb, 0, -1), luminance=luminance, chroma=chroma, wcs=image.wcs,
            header=header, name=image.name, measured=fused.measured, names=[image.name],
            bands=None if fused.display_ready else fused.bands, history=history)

    def colorize_file(self, data, output, *, colour=None, hdu=None, plane=None,
                      overwrite=False):
        """Colorize into a FITS file, band by band for a FITS file of any size.

        A FITS file given by its path, without ``colour`` or ``tta``, goes
        through the same pipeline as `colorize` fed band by band from disk
        (`~astro_colorgan.io.open_image_rows`) and drained band by band into
        the output (``fits_cube_writer``), so that memory
        follows the tile and the image width, not the image; the file is the
        same, byte for byte, as ``colorize(data).write_fits(output)``, which
        is what every other input gets.

        Parameters
        ----------
        data : str, path-like or any input of `colorize`
            The luminance.
        output : str or path-like
            The FITS file to write; it appears whole or not at all.
        colour, hdu, plane
            As for `colorize`.
        overwrite : bool
            Replace an existing output.

        Returns
        -------
        output : str
            The path written.

        Raises
        ------
        FileExistsError
            If ``output`` exists and ``overwrite`` is False (checked before any work).
        ValueError
            If ``output`` is the input or a colour frame, whatever ``overwrite`` says.
        """
        from ..io._files import check_fits_name
        from ..io._files import check_outputs

        output = os.fspath(output)
        check_fits_name(output)
        check_outputs([output], inputs=[data, colour], overwrite=overwrite)
        if self.tta or colour is not None or not isinstance(data, (str, Path)):
            self.colorize(data, colour=colour, hdu=hdu, plane=plane).write_fits(
                output, overwrite=overwrite)
            return output
        with open_image_rows(data, hdu=hdu, plane=plane) as image:
            subject = self._subject(image, self.stretch)
            source = self._input_rows(image.read, image.shape, image.name,
                                      stretch=self.stretch,
                                      warn_non_finite=not image.blanks_flagged, subject=subject)
            decoding = self._decoding(subject, source.scaling)
            history = provenance_history("colorize", [image.name], self._options(
                hdu, plane, None, stretch=self.stretch, subject=subject, decoding=decoding))
            header = colorized_header(image.shape, wcs=image.wcs, source_header=image.header,
                                      history=history, model_name=self.name)
            with fits_cube_writer(output, header, overwrite=overwrite) as writer:
                self._run(source, image.shape,
                          lambda start, stop, rgb, *rest: writer.write_rows(start, rgb),
                          decoding)
        log.debug(f"colorized {image.name} band by band into {output}")
        return output

    def complete(self, composite):
        """Predict the missing green of a two-filter composite, keeping red and blue.

        Parameters
        ----------
        composite : `~astro_colorgan.composite.CompositeImage` or `~numpy.ndarray`
            The composite of two filters that `~astro_colorgan.stack` makes
            (red and blue measured, green their mean), or its display-ready
            ``(ny, nx, 3)`` R, G, B array in [0, 1]; NaN where there are no data.

        Returns
        -------
        completed : `~astro_colorgan.composite.CompositeImage` or `~numpy.ndarray`
            Of the type given: red and blue as given, green predicted
            (float32); a composite's HISTORY gains the line that says so,
            with the model and its SHA-256.

        Raises
        ------
        ValueError
            If the model is not a guided one, or the composite is not of two filters.

        Examples
        --------
        >>> from astro_colorgan import Colorizer, stack
        >>> from astro_colorgan.data import get_sample_path
        >>> two = stack([get_sample_path("sample_g"), get_sample_path("sample_i")])
        ... # doctest: +IGNORE_OUTPUT
        >>> completed = Colorizer(device="cpu").complete(two)
        >>> completed.history[-1].startswith("COLOUR MEASURED in channels R, B")
        True
        """
        from ..composite import CompositeImage

        if not isinstance(composite, CompositeImage):
            return self._complete_rgb(composite)
        if len(composite.names) != 2:
            raise ValueError("complete predicts the third filter of two; the composite has "
                             f"{len(composite.names)} filter(s)")
        cube = np.moveaxis(composite.rgb, -1, 0).copy()
        cube[1] = np.moveaxis(self._complete_rgb(composite.rgb), -1, 0)[1]
        note = predicted_green_note(composite.names, model_name=self.fusion_name,
                                    model_sha256=self.fusion_sha256)
        return dataclasses.replace(composite, rgb=np.moveaxis(cube, 0, -1),
                                   history=[*composite.history, note])

    def _complete_rgb(self, rgb):
        """The green predicted under an ``(ny, nx, 3)`` two-filter composite's red and blue."""
        cube = np.moveaxis(np.asarray(rgb, np.float32), -1, 0)
        if cube.ndim != 3 or cube.shape[0] != 3:
            raise ValueError(f"a composite array must have shape (ny, nx, 3), not "
                             f"{np.shape(rgb)}")
        import torch

        from ..fusion import complete_middle

        valid = np.isfinite(cube).all(axis=0)
        bands = torch.from_numpy(np.where(valid, cube, np.float32(0)))[None].to(self.device)
        with torch.no_grad():
            out = complete_middle(bands[:, 2:3], bands[:, 0:1], net=self.fusion)
        out = out[0].clamp(0, 1).cpu().numpy()
        out[:, ~valid] = np.nan
        return np.moveaxis(out, 0, -1)


def _subject_of_palette(palette, subject):
    """The subject that the deprecated ``palette=`` asks for."""
    if palette is None:
        return subject
    if palette not in _PALETTE_SUBJECTS:
        raise ValueError("palette is deprecated (use subject='photograph' or 'field'), and "
                         f"{palette!r} was never one of its values")
    warnings.warn("palette= is deprecated: use subject='photograph' or subject='field'",
                  AstropyDeprecationWarning, stacklevel=3)
    return _PALETTE_SUBJECTS[palette]


def _luma_image(rgb_image, *, hdu, plane):
    """The display-ready Rec. 709 luma of an `~astro_colorgan.composite.RGBImage`, as an image."""
    if hdu is not None or plane is not None:
        raise ValueError("hdu= and plane= select from a FITS input; a colour image given "
                         "as data is used whole")
    cube = np.moveaxis(np.asarray(rgb_image.rgb, np.float32), -1, 0)
    luma = rgb_to_luma(cube, axis=0).astype(np.float32)
    names = ", ".join(rgb_image.names) or type(rgb_image).__name__
    return ImageData(luma, ~np.isfinite(luma), wcs=rgb_image.wcs, name=f"luma of {names}")


class _ArraySink:
    """Collects the pipeline's rows into arrays held in memory."""

    def __init__(self, shape, tta):
        ny, nx = shape
        self.rgb = np.empty((3, ny, nx), np.float32)
        self.luminance = np.empty((ny, nx), np.float32)
        self.chroma = np.empty((2, ny, nx), np.float32)
        self.spread = np.empty((ny, nx), np.float32) if tta else None

    def __call__(self, start, stop, rgb, x, chroma, valid, spread):
        self.rgb[:, start:stop] = rgb
        invalid = ~valid
        luma = x[0].clone()
        luma[invalid] = float("nan")
        self.luminance[start:stop] = luma.cpu().numpy()
        chroma = chroma.clone()
        chroma[:, invalid] = float("nan")
        self.chroma[:, start:stop] = chroma.cpu().numpy()
        if spread is not None:
            spread = spread.clone()
            spread[invalid] = float("nan")
            self.spread[start:stop] = spread.cpu().numpy()
