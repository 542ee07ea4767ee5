"""Choosing the decoding temperature on held-out training-split images."""

import numpy as np
import torch
from astropy import log

from ..colorize._core import pad_to_multiple
from ..datasets import find_images, is_coloured, read_color_image
from ..evaluation import image_metrics
from ..colorspace import chroma_to_rgb, rgb_to_luma

__all__ = ["choose_temperature", "choose_decodings", "TEMPERATURES", "SATURATIONS",
           "COLOURFULNESS_BAND"]

#: Temperatures tried on the validation split.
TEMPERATURES = (0.25, 0.35, 0.5, 0.6, 0.7, 1.0)
#: Saturation factors tried on the validation split.
SATURATIONS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: The colourfulness ratios accepted as realistic when choosing.
COLOURFULNESS_BAND = (0.85, 1.15)


def choose_temperature(model, paths, *, max_side=256, temperatures=TEMPERATURES,
                       saturations=SATURATIONS, subject="photograph"):
    """The decoding temperature and saturation with the best colours on validation images.

    Among the (temperature, saturation) pairs whose mean colourfulness ratio
    lies in ``COLOURFULNESS_BAND`` the one with the lowest ΔE2000 on coloured
    pixels is chosen; if none does, the one whose ratio is closest to 1.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        A model with a ``classify`` head.
    paths : list of str
        Validation images (never the test split).
    subject : {'photograph', 'field'}
        What the images are: a subject-conditioned model is told (a field's
        colorized filter is taken to be its middle one, whose luma its
        composite's is closest to).

    Returns
    -------
    choice : tuple of float
        ``(temperature, saturation)``.
    table : dict
        Mean ΔE2000 (coloured) and colourfulness ratio for each pair, keyed
        ``"T=..., s=..."``.
    """
    pairs = [(t, s) for t in temperatures for s in saturations]
    scores = {pair: [] for pair in pairs}
    for path in paths:
        rgb = read_color_image(path, max_side=max_side)
        if not is_coloured(rgb):
            continue
        luma = rgb_to_luma(rgb)
        x = torch.from_numpy(luma.astype(np.float32))[None, None]
        x = x.to(next(model.parameters()).device)
        padded, (ny, nx) = pad_to_multiple(x)
        planes = np.zeros(model.generator.in_channels - 1, np.float32)  # no hints
        if model.subjects:
            planes[-4:] = _subject_of(path, subject)
        if len(planes):
            padded = torch.cat([padded, torch.from_numpy(planes).to(padded)[None, :, None, None]
                                .expand(1, -1, *padded.shape[2:])], dim=1)
        with torch.no_grad():
            raw = model.generator(padded)
        for t, s in pairs:
            with torch.no_grad():
                full = model.decode(raw, padded, t, s)[0, :, :ny, :nx].cpu().numpy()
            pred = chroma_to_rgb(luma, np.moveaxis(full, 0, -1))
            m = image_metrics(rgb, pred)
            scores[(t, s)].append((m["de00_coloured"], m["colourfulness_ratio"]))
    means = {pair: (float(np.nanmean([v[0] for v in values])),
                    float(np.nanmean([v[1] for v in values])))
             for pair, values in scores.items() if values}
    if not means:
        return (model.temperature, model.saturation), {}
    lo, hi = COLOURFULNESS_BAND
    inside = [pair for pair, (_, ratio) in means.items() if lo <= ratio <= hi]
    if inside:
        best = min(inside, key=lambda pair: means[pair][0])
    else:
        best = min(means, key=lambda pair: abs(means[pair][1] - 1))
    table = {f"T={t}, s={s}": {"de00_coloured": de, "colourfulness_ratio": ratio}
             for (t, s), (de, ratio) in means.items()}
    return (float(best[0]), float(best[1])), table


def _subject_of(path, subject):
    """The subject planes' values of a validation image."""
    from ..colorize._subject import subject_vector
    from ..datasets._folder import field_filters

    if subject == "photograph":
        return subject_vector("photograph")
    waves = [float(h["PHOTPLAM"]) / 10 for h in field_filters(path)]
    return subject_vector("field", waves[len(waves) // 2], waves[0], waves[-1])


def choose_decodings(model, data_dir, simulated=None):
    """The decodings of a model, each chosen on the validation split of its images.

    The photographs' decoding (`choose_temperature` on the validation split
    of ``data_dir``) becomes the model's own. When the run mixed in simulated
    fields, the ``'field'`` subject's decoding is chosen the same way on the
    validation split of ``simulated``: the colourfulness of survey fields in
    broadband filters, not of photographs (see `~astro_colorgan.Colorizer`'s
    ``subject``).

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        A ``classify`` model; its ``temperature`` and ``saturation`` are set.
    data_dir : str or path-like
        The photographs.
    simulated : str or path-like, optional
        The simulated fields.

    Returns
    -------
    info : dict
        ``validation`` (the photographs' table) and, with fields,
        ``validation_fields`` and ``subjects``: ``{'photograph': {...},
        'field': {...}}`` of ``temperature`` and ``saturation``.
    """
    info, palettes = {}, {}
    for palette, folder, key in (("photograph", data_dir, "validation"),
                                 ("field", simulated, "validation_fields")):
        if folder is None:
            continue
        try:
            held_out = find_images(folder, split="validation")
        except ValueError:
            log.warning(f"no {palette} in the validation split: the preset's decoding is kept")
            continue
        (t, s), info[key] = choose_temperature(model, held_out, subject=palette)
        palettes[palette] = {"temperature": t, "saturation": s}
        log.info(f"decoding chosen on the {palette}s' validation split: temperature {t}, "
                 f"saturation {s}")
    if "photograph" in palettes:  # the model's own decoding
        own = palettes["photograph"]
        model.temperature, model.saturation = own["temperature"], own["saturation"]
    if simulated is not None:  # with one subject there is only the model's own
        info["subjects"] = palettes
    return info
