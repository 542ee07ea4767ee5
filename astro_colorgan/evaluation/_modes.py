"""The colour modes and input paths of the evaluation protocol, and their classical baselines.

From each true image ``T`` (RGB in [0, 1], at most 256 px) the protocol makes
the input and the measured colour of a mode, and the classical baseline that
uses the same measured information without learning:

``none``
    the Rec. 709 luma ``Y`` of ``T``; baseline: grey (``Y`` in R, G and B).
``lrgb2``, ``lrgb4``, ``lrgb8``, ``lrgb16``
    ``Y`` at full resolution and a colour frame ``T`` shrunk 2, 4, 8 or 16 times by
    block mean (PIL ``BOX`` on the 8-bit image); the protocol's own classical
    rule (``protocol classical``): the frame resized back bilinearly (8-bit),
    its colour ratios under the full-resolution luminance,
    ``clip(U / max(Y(U), 1e-3) * Y, 0, 1)``. The baseline the models are held
    to is the best of all the classical fusions on the validation split
    (``astro_colorgan.evaluation._fusion.CLASSICAL_CHOICE``).
``wald``
    Wald's protocol in linear flux (``astro_colorgan.evaluation._fusion``).
``two-band``
    blue and red of ``T`` measured, green not; baseline: green the mean of
    blue and red (what ``stack`` does for two filters).

Two paths feed the luminance: ``protocol`` gives ``Y`` as it is
(``stretch=None``); ``users`` gives linear data made from it,
``Y ** 2.4 * 3000 + 200`` plus Gaussian noise of standard deviation 3
(seeded with 0, drawn image by image in the split's order), colorized with
the default display scaling, and scores colour alone: the prediction's
CIELAB L* is replaced by the truth's before the metrics. A simulated field
needs no such making: its users' path is its own linear image in its middle
filter (sky and noise included), the one band an astronomer would colorize.
"""

import numpy as np

from ..colorspace import rgb_to_luma
from ..composite import mean_green

__all__ = ["HINT_MODES", "FUSION_MODES", "CLASSICAL_CHOICE", "BAND_METRIC_NAMES", "PATHS",
           "BASELINES", "lrgb_frame", "coarse_frame", "classical_lrgb",
           "baseline", "users_path_data", "colour_alone", "model_prediction"]

#: The colour modes of the protocol.
HINT_MODES = ("none", "lrgb2", "lrgb4", "lrgb8", "lrgb16", "wald", "two-band")
#: The guided modes: colour measured, fused (``astro_colorgan.evaluation._fusion``).
FUSION_MODES = ("lrgb2", "lrgb4", "lrgb8", "lrgb16", "wald", "two-band")
#: Each guided mode's classical baseline: the candidate of
#: ``astro_colorgan.evaluation._fusion.classical_candidates`` with the lowest ΔE00
#: (coloured) on the validation split (39 photographs).
CLASSICAL_CHOICE = {"lrgb2": "ratio+projection blur0", "lrgb4": "ratio+projection blur0",
                    "lrgb8": "ratio+projection blur0", "lrgb16": "ratio+projection blur0",
                    "wald": "ratio+projection blur1", "two-band": "mean"}
#: The band metrics of every fused case.
BAND_METRIC_NAMES = ("sam", "ergas", "chi2")
#: How the luminance reaches the model.
PATHS = ("protocol", "users")
#: The name of each mode's classical baseline.
BASELINES = {"none": "grey", "lrgb2": "classical LRGB", "lrgb4": "classical LRGB",
             "lrgb8": "classical LRGB", "lrgb16": "classical LRGB", "two-band": "mean green"}


def _factor(mode):
    return int(mode[len("lrgb"):])


def lrgb_frame(truth, factor):
    """The protocol's colour frame: ``truth`` shrunk ``factor`` times by block mean, resized
    back bilinearly (both on the 8-bit image).

    Parameters
    ----------
    truth : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1].
    factor : int
        How much coarser the colour frame is.

    Returns
    -------
    `numpy.ndarray`
        ``(ny, nx, 3)`` float32 in [0, 1].
    """
    from PIL import Image

    ny, nx = truth.shape[:2]
    small = np.round(np.moveaxis(coarse_frame(truth, factor), 0, -1) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((nx, ny), Image.BILINEAR), np.float32) / 255


def classical_lrgb(frame, luma):
    """The classical LRGB combination: the frame's colour ratios under the luminance.

    Examples
    --------
    >>> import numpy as np
    >>> frame = np.full((2, 2, 3), [0.4, 0.2, 0.1])
    >>> out = classical_lrgb(frame, np.full((2, 2), 0.1))
    >>> bool(np.allclose(out[0, 0] / out[0, 0, 0], [1, 0.5, 0.25]))
    True
    """
    ratio = frame / np.maximum(rgb_to_luma(frame), 1e-3)[..., None]
    return np.clip(ratio * luma[..., None], 0, 1).astype(np.float32)


def baseline(truth, mode):
    """The classical baseline of a mode (see the module docstring)."""
    luma = rgb_to_luma(truth)
    if mode == "none":
        return np.repeat(luma[..., None], 3, -1)
    if mode == "two-band":
        return mean_green(truth, axis=-1)
    return classical_lrgb(lrgb_frame(truth, _factor(mode)), luma)


def users_path_data(luma, rng):
    """Linear data of a luma as the users' path makes it:
    ``luma ** 2.4 * 3000 + 200`` plus Gaussian noise of standard deviation 3."""
    return (np.power(luma, 2.4) * 3000 + 200 + rng.normal(0, 3, luma.shape)).astype(np.float32)


def colour_alone(truth, prediction):
    """The prediction with its CIELAB L* replaced by the truth's (scores colour alone)."""
    from skimage.color import lab2rgb, rgb2lab

    lab = rgb2lab(np.clip(prediction, 0, 1))
    lab[..., 0] = rgb2lab(np.clip(truth, 0, 1))[..., 0]
    return np.clip(lab2rgb(lab), 0, 1).astype(np.float32)


def model_prediction(colorizer, truth, mode, data):
    """A colorizer's output for one image of a mode.

    Parameters
    ----------
    colorizer : `~astro_colorgan.Colorizer`
        Configured for the path (``stretch=None`` on the protocol's).
    truth : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1], the source of the measured colour.
    mode : str
        One of `HINT_MODES`.
    data : `numpy.ndarray`
        ``(ny, nx)`` the luminance as the path gives it.

    Returns
    -------
    `numpy.ndarray`
        ``(ny, nx, 3)`` RGB.
    """
    if mode == "two-band":
        return colorizer.complete(mean_green(truth, axis=-1))
    colour = None
    if mode != "none":  # the protocol's coarse frame itself, planes R, G, B
        colour = coarse_frame(truth, _factor(mode))
    return colorizer.colorize(data, colour=colour).rgb


def coarse_frame(truth, factor):
    """The protocol's colour frame: ``truth`` shrunk ``factor`` times by block mean (PIL
    ``BOX`` on the 8-bit image), as ``(3, ny // factor, nx // factor)`` planes R, G, B."""
    from PIL import Image

    ny, nx = truth.shape[:2]
    image = Image.fromarray(np.round(np.clip(truth, 0, 1) * 255).astype(np.uint8))
    small = image.resize((max(1, nx // factor), max(1, ny // factor)), Image.BOX)
    return np.ascontiguousarray(np.moveaxis(np.asarray(small, np.float32) / 255, -1, 0))
