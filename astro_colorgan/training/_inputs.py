"""What the network sees in training: the luma as `colorize` sees it, and measured colour.

A training crop is a display-ready colour image ``T``. From it this module
makes the network's input exactly as the colorizer's pipeline would at
inference:

* the luma, either ``T``'s own (the evaluation protocol's path) or made
  linear again, with sky and noise, and put through the package's own display
  scaling (`~astro_colorgan.colorize.DisplayScaling`, the users' path:
  astronomers pass linear FITS data and let the default scaling run);
* hint planes (``HINT_CHANNELS``) in one of three modes,
  drawn at random: ``none`` (one band); ``lrgb`` (a colour frame coarser by
  a random factor of 2 to 32, blurred and noisy like a shallower exposure,
  brought back to the luma's grid bilinearly, sometimes covering only part
  of the field, sometimes with its green synthesised from two filters); and
  ``two-band`` (blue and red measured at full resolution, green not: the
  luma itself is that of the mean-green composite, as ``stack`` makes it).
"""

import math

import numpy as np

from ..colorize._hints import colour_hints
from ..composite import mean_green
from ..colorspace import rgb_to_luma

__all__ = ["HINT_MODES", "display_luma", "guided_input", "users_path_luma"]

#: The hint modes drawn in training, with their probabilities in the ``guided`` recipe.
HINT_MODES = {"none": 0.3, "lrgb": 0.45, "two-band": 0.25}


def users_path_luma(luma, rng):
    """The luma as the colorizer sees linear data of it: sky, noise, then the default scaling.

    The display-referred ``luma`` is made linear with a random gamma and
    flux scale, given a sky level and Gaussian noise, and scaled back for
    display by `~astro_colorgan.colorize.DisplayScaling` with its defaults
    (what ``astro-colorize colorize`` does to a FITS image).

    Parameters
    ----------
    luma : `numpy.ndarray`
        ``(ny, nx)`` luma in [0, 1].
    rng : `numpy.random.Generator`

    Returns
    -------
    `numpy.ndarray`
        ``(ny, nx)`` float32 display luma in [0, 1].
    """
    gamma = rng.uniform(1.6, 3.0)
    scale = math.exp(rng.uniform(math.log(300), math.log(30000)))
    sky = math.exp(rng.uniform(math.log(20), math.log(2000)))
    noise = math.exp(rng.uniform(math.log(0.3), math.log(10)))
    linear = np.power(np.clip(luma, 0, 1), gamma) * scale + sky
    linear = (linear + rng.normal(0, noise, luma.shape)).astype(np.float32)
    return display_luma(linear, name="training crop")


def display_luma(linear, *, name="training image"):
    """Linear data as the colorizer's default display scaling shows it to the network.

    Parameters
    ----------
    linear : `numpy.ndarray`
        ``(ny, nx)`` linear data, sky included.
    name : str, optional
        Named in the scaling's warnings.

    Returns
    -------
    `numpy.ndarray`
        ``(ny, nx)`` float32 display luma in [0, 1] (what ``astro-colorize
        colorize`` gives the network for a FITS image, with its defaults).
    """
    from ..colorize import DisplayScaling

    linear = np.asarray(linear, np.float32)
    scaling = DisplayScaling(lambda start, stop: linear[start:stop], linear.shape,
                             stretch="auto", interval=None, Q=8.0, name=name)
    return np.asarray(scaling(linear)[0], np.float32)


def _coarse_frame(rgb, factor, rng, *, clean=0.0, max_noise=0.04):
    """A colour frame ``factor`` times coarser, blurred and noisy, back on the luma's grid.

    With probability ``clean`` the frame is the plain block mean (a survey
    frame deep enough that its noise is below the display's 8-bit step);
    otherwise it is blurred by up to 1 px and given Gaussian noise of a
    standard deviation drawn log-uniformly between 0.001 and ``max_noise``.
    """
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    _, ny, nx = rgb.shape
    small = (max(1, round(nx / factor)), max(1, round(ny / factor)))
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(p)).resize(small, Image.BOX))
              for p in rgb]
    frame = np.stack(planes)
    if not (clean > 0 and rng.random() < clean):  # no draw at all when clean is 0
        blur = rng.uniform(0, 1.0)
        if blur > 0.05 and min(frame.shape[1:]) > 2:
            frame = gaussian_filter(frame, (0, blur, blur), mode="nearest")
        sigma = math.exp(rng.uniform(math.log(1e-3), math.log(max_noise)))
        frame = np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 1).astype(np.float32)
    return np.stack([np.asarray(Image.fromarray(p).resize((nx, ny), Image.BILINEAR))
                     for p in frame])


def guided_input(rgb, rng, *, modes=HINT_MODES, users_path=0.5, hints=True, clean_frames=0.0,
                 frame_noise=0.04, users_luma=None, subject=None):
    """The network input for a training crop, and the luma its target chroma is relative to.

    Parameters
    ----------
    rgb : `numpy.ndarray`
        ``(3, ny, nx)`` float32 display-ready truth in [0, 1].
    rng : `numpy.random.Generator`
        Draws the mode, factors and noise.
    modes : dict
        Probability of each hint mode (`HINT_MODES`).
    users_path : float
        Probability that the luma goes through linear data and the display
        scaling (`users_path_luma`) rather than being the truth's own.
    hints : bool
        Whether the model takes hints (otherwise only the luma plane is made).
    clean_frames : float
        Probability that an ``lrgb`` colour frame is the plain block mean,
        without blur or noise.
    frame_noise : float
        Largest standard deviation of the noise added to the other colour
        frames (display units).
    users_luma : `numpy.ndarray`, optional
        ``(ny, nx)`` the crop's own linear data of one filter through the
        default display scaling (`display_luma`; simulated fields have it):
        the users' path then gives the network this rather than the truth's
        luma made linear again.
    subject : `numpy.ndarray`, optional
        ``(4,)`` the subject planes' values (`~astro_colorgan.colorize.subject_vector`)
        of a subject-conditioned model, appended as constant planes.

    Returns
    -------
    x : `numpy.ndarray`
        ``(1 + 5, ny, nx)`` (or ``(1, ny, nx)``) float32 network input, and
        4 subject planes after those when ``subject`` is given.
    reference : `numpy.ndarray`
        ``(1, ny, nx)`` the luma under which the target chroma is taken: the
        truth's, or in ``two-band`` mode the mean-green composite's (the
        colorizer then solves for the green, see
        `~astro_colorgan.colorize.complete_green`).
    mode : str
        The hint mode drawn.
    """
    names = list(modes)
    mode = names[int(rng.choice(len(names), p=np.array([modes[n] for n in names])))] \
        if hints else "none"
    luma = rgb_to_luma(rgb, axis=0)
    reference = luma
    if mode == "two-band":
        composite = mean_green(rgb)
        x0 = reference = rgb_to_luma(composite, axis=0)
        planes = colour_hints(composite, 1.0, two_band=True)
    else:
        x0 = luma
        if rng.random() < users_path:
            x0 = users_path_luma(luma, rng) if users_luma is None else users_luma
        planes = np.zeros((5,) + luma.shape, np.float32)
        if mode == "lrgb":
            factor = 2 ** rng.uniform(1, 5)
            two_band = rng.random() < 0.25
            frame = _coarse_frame(mean_green(rgb) if two_band else rgb, factor, rng,
                                  clean=clean_frames, max_noise=frame_noise)
            weight = np.ones(luma.shape, np.float32)
            if rng.random() < 0.2:  # a colour frame that covers part of the field
                ny, nx = luma.shape
                y0, x0_ = int(rng.integers(0, ny // 2)), int(rng.integers(0, nx // 2))
                weight[y0:y0 + int(rng.integers(ny // 4, ny)),
                       x0_:x0_ + int(rng.integers(nx // 4, nx))] = 0
            planes = colour_hints(frame, weight, coarseness=factor, two_band=two_band)
    x = np.concatenate([np.asarray(x0, np.float32)[None], planes]) if hints \
        else np.asarray(x0, np.float32)[None]
    if subject is not None:
        subject = np.asarray(subject, np.float32)
        x = np.concatenate([x, np.broadcast_to(subject[:, None, None],
                                               (len(subject),) + x.shape[1:])])
    return x.astype(np.float32), np.asarray(reference, np.float32)[None], mode
