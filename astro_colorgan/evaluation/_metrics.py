"""The metrics of the evaluation protocol, computed with scikit-image."""

import numpy as np

__all__ = ["METRIC_NAMES", "colourfulness", "pixel_masks", "image_metrics", "mean_metrics",
           "standard_errors"]

#: Metrics reported per image, in table order.
METRIC_NAMES = ("psnr", "rmse", "ssim", "de00_all", "de00_fg", "de00_coloured",
                "colourfulness_ratio", "sky_chroma")


def colourfulness(rgb):
    """Colourfulness of Hasler & Süsstrunk (2003) on 0–255 RGB.

    Parameters
    ----------
    rgb : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1].

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> colourfulness(np.full((4, 4, 3), 0.5))
    0.0
    """
    r, g, b = (255.0 * np.asarray(rgb, dtype=np.float64)[..., c] for c in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def pixel_masks(lab_truth, *, lightness_threshold=15.0, chroma_threshold=10.0):
    """The protocol's foreground and coloured pixels of a true image.

    Parameters
    ----------
    lab_truth : `numpy.ndarray`
        ``(ny, nx, 3)`` CIELAB of the true image.
    lightness_threshold, chroma_threshold : float
        Foreground: L* above the first; coloured: foreground with chroma
        √(a*² + b*²) above the second.

    Returns
    -------
    foreground, coloured : `numpy.ndarray`
        ``(ny, nx)`` boolean masks.
    """
    foreground = lab_truth[..., 0] > lightness_threshold
    coloured = foreground & (np.hypot(lab_truth[..., 1], lab_truth[..., 2]) > chroma_threshold)
    return foreground, coloured


def image_metrics(truth, prediction, *, lightness_threshold=15.0, chroma_threshold=10.0):
    """All protocol metrics for one image.

    Parameters
    ----------
    truth, prediction : `numpy.ndarray`
        ``(ny, nx, 3)`` RGB in [0, 1].

    Returns
    -------
    dict
        ``psnr`` (dB, data range 1), ``rmse``, ``ssim`` (channel axis, data
        range 1), ``de00_all``, ``de00_fg`` (truth L* > 15), ``de00_coloured``
        (foreground with truth chroma > 10; NaN if there is none),
        ``colourfulness_ratio`` (prediction / truth) and ``sky_chroma``, the
        mean CIELAB chroma of the prediction where the truth is sky (L*
        at most 15; NaN if there is none): colour painted on empty sky.
    """
    from skimage.color import deltaE_ciede2000, rgb2lab
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    truth = np.clip(np.asarray(truth, dtype=np.float64), 0, 1)
    prediction = np.clip(np.asarray(prediction, dtype=np.float64), 0, 1)
    lab_t = rgb2lab(truth)
    lab_p = rgb2lab(prediction)
    de = deltaE_ciede2000(lab_t, lab_p)
    fg, coloured = pixel_masks(lab_t, lightness_threshold=lightness_threshold,
                               chroma_threshold=chroma_threshold)
    c_truth = colourfulness(truth)
    with np.errstate(divide="ignore"):  # identical images: PSNR is infinite
        psnr = float(peak_signal_noise_ratio(truth, prediction, data_range=1.0))
    return {
        "psnr": psnr,
        "rmse": float(np.sqrt(np.mean((truth - prediction) ** 2))),
        "ssim": float(structural_similarity(truth, prediction, channel_axis=-1, data_range=1.0)),
        "de00_all": float(de.mean()),
        "de00_fg": float(de[fg].mean()) if fg.any() else float("nan"),
        "de00_coloured": float(de[coloured].mean()) if coloured.any() else float("nan"),
        "colourfulness_ratio": colourfulness(prediction) / c_truth if c_truth > 0 else float("nan"),
        "sky_chroma": float(np.hypot(lab_p[..., 1], lab_p[..., 2])[~fg].mean())
        if (~fg).any() else float("nan"),
    }


def mean_metrics(rows):
    """Mean of each metric over images (NaN entries skipped).

    Parameters
    ----------
    rows : list of dict
        Outputs of `image_metrics` (and any further metrics, as the guided
        modes' band metrics), all with the keys of the first.

    Returns
    -------
    dict
    """
    names = list(rows[0]) if rows else list(METRIC_NAMES)
    with np.errstate(all="ignore"):
        return {name: float(np.nanmean(np.array([row[name] for row in rows], float))
                            if np.isfinite([row[name] for row in rows]).any() else np.nan)
                for name in names}


def standard_errors(rows, *, names=METRIC_NAMES):
    """Standard error of the mean of each metric over images (NaN entries skipped).

    The sample standard deviation (``ddof=1``) over the images with a finite
    value, divided by the square root of their number: how far the mean of
    ``mean_metrics`` might move on another draw of images of the same kind.

    Parameters
    ----------
    rows : list of dict
        Outputs of `image_metrics`.
    names : sequence of str, optional
        The keys of ``rows`` to reduce (default: ``METRIC_NAMES``).

    Returns
    -------
    dict
        NaN for a metric with fewer than two finite values.
    """
    return {name: _standard_error([row[name] for row in rows]) for name in names}


def _standard_error(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))
