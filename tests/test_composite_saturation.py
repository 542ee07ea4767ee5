"""Tests of saturated cores that keep their colour (``stack(saturation=...)``)."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import ManualInterval

from astro_colorgan import stack
from astro_colorgan.composite._saturation import (header_saturation, recolour_saturated,
                                                   saturation_masks)
from astro_colorgan.io import read_image

from _stack_fields import FIELD_CENTRE, FILTER_GRIDS, render_stars, star_positions, tan_wcs

SHAPE = (81, 81)
WCS = tan_wcs(FIELD_CENTRE, 0.2, 0.0, SHAPE)
COLOUR = np.array([0.35, 0.7, 1.0])  # blue, green, red flux of the star: orange
PEAK = 2000.0
# saturated in every band, at different levels (blue lowest relative to its peak)
LEVELS = [0.08 * PEAK * COLOUR[0], 0.15 * PEAK * COLOUR[1], 0.3 * PEAK * COLOUR[2]]
OPTIONS = dict(background=False, interval=ManualInterval(0, 30.0), Q=8)


def _star(colour=COLOUR, seed=0):
    y, x = np.mgrid[:SHAPE[0], :SHAPE[1]]
    profile = np.exp(-((x - 40.3) ** 2 + (y - 39.8) ** 2) / (2 * 3.0 ** 2))
    rng = np.random.default_rng(seed)
    return [PEAK * c * profile + rng.normal(0, 0.05, SHAPE) for c in colour]


def _hdus(planes, levels=None, keyword="SATURATE"):
    hdus = []
    for index, plane in enumerate(planes):
        header = WCS.to_header()
        if levels is not None:
            header[keyword] = levels[index]
        hdus.append(fits.PrimaryHDU(plane.astype(np.float32), header))
    return hdus


def _clipped(planes, levels):
    return [np.minimum(plane, level) for plane, level in zip(planes, levels)]


def _delta_e(a, b, where):
    from skimage.color import deltaE_ciede2000, rgb2lab

    lab = [rgb2lab(np.clip(image.rgb[where], 0, 1)[None])[0] for image in (a, b)]
    return deltaE_ciede2000(*lab)


@pytest.mark.parametrize("keyword", ["SATURATE", "SATLEVEL"])
def test_saturated_star_keeps_its_true_hue(keyword):
    truth = stack(_hdus(_star()), **OPTIONS)
    saturated = _hdus(_clipped(_star(), LEVELS), LEVELS, keyword=keyword)
    fixed = stack(saturated, **OPTIONS)  # on by default: the levels are in the headers
    plain = stack(saturated, saturation=False, **OPTIONS)
    core = fixed.saturated
    assert core is not None and 50 < core.sum() < 400
    assert _delta_e(truth, fixed, core).max() <= 3.0
    assert _delta_e(truth, plain, core).max() > 20  # what it was: a pale, wrong-hued core
    # the luminance stays as bright as it is: no pixel gets darker than the clipped one
    assert np.all(fixed.rgb[core].max(axis=1) >= plain.rgb[core].max(axis=1) - 1e-6)
    assert fixed.history[-1].startswith("saturated cores: 1 region(s)")
    assert f"option saturation = [{keyword} = {LEVELS[0]:g}," in "\n".join(fixed.history)
    assert plain.history[-1] == "saturated cores: not recoloured (saturation=False)"
    np.testing.assert_array_equal(fixed.rgb[~core], plain.rgb[~core])  # only the core changes


def test_saturation_given_as_levels_or_masks():
    planes = _clipped(_star(), LEVELS)
    truth = stack(_hdus(_star()), **OPTIONS)
    by_level = stack(_hdus(planes), saturation=LEVELS, **OPTIONS)
    masks = [plane >= level for plane, level in zip(planes, LEVELS)]
    by_mask = stack(_hdus(planes), saturation=masks, **OPTIONS)
    np.testing.assert_array_equal(by_level.rgb, by_mask.rgb)
    assert _delta_e(truth, by_level, by_level.saturated).max() <= 3.0
    assert "option saturation = [mask, mask, mask]" in by_mask.history
    # one level for all: only the blue filter saturates at 50
    one = stack(_hdus(planes), saturation=50.0, **OPTIONS)
    assert "option saturation = [level 50, level 50, level 50]" in one.history
    assert one.saturated.sum() > 0


def test_no_saturation_known_changes_nothing():
    hdus = _hdus(_clipped(_star(), LEVELS))  # clipped, but nothing says so
    default = stack(hdus, **OPTIONS)
    assert default.saturated is None
    assert default.history[-1].startswith("saturated cores: none known")
    np.testing.assert_array_equal(default.rgb, stack(hdus, saturation=False, **OPTIONS).rgb)


def test_saturation_on_different_grids():
    """Three grids (scales 0.20/0.26/0.31 arcsec, rotated): the masks are reprojected."""
    positions = star_positions(1, 0.5, seed=1)
    truth, clipped, levels = [], [], []
    for index, grid in enumerate(FILTER_GRIDS):
        wcs = tan_wcs(FIELD_CENTRE, grid["scale"], grid["rotation"], grid["shape"])
        data = render_stars(wcs, grid["shape"], positions, [40000 * COLOUR[index]], fwhm=1.5,
                            noise=0.05, seed=index)
        level = (0.1, 0.2, 0.4)[index] * float(data.max())  # a different level per band
        header = wcs.to_header()
        truth.append((data, wcs))
        header["SATURATE"] = level
        clipped.append(fits.PrimaryHDU(np.minimum(data, level), header))
        levels.append(level)
    options = dict(background=False, interval=ManualInterval(0, 20.0), Q=8, reference=truth[0])
    expected = stack(truth, **options)
    fixed = stack(clipped, **options)
    plain = stack(clipped, saturation=False, **options)
    core = fixed.saturated & np.isfinite(fixed.rgb).all(axis=2)
    assert core.sum() > 10
    assert np.median(_delta_e(expected, fixed, core)) <= 3.0
    assert np.median(_delta_e(expected, plain, core)) > 6


def test_saturation_helpers():
    assert header_saturation(fits.Header()) == (None, None)
    assert header_saturation(fits.Header({"SATURATE": "high"})) == (None, None)
    assert header_saturation(fits.Header({"SATLEVEL": 6e4})) == (6e4, "SATLEVEL")
    image = read_image(_hdus([np.arange(12.0).reshape(3, 4)], [10.0])[0])
    masks, sources = saturation_masks([image], None)
    assert sources == ["SATURATE = 10"] and masks[0].sum() == 2
    with pytest.raises(ValueError, match="has shape"):
        saturation_masks([image], [np.zeros((2, 2), bool)])
    with pytest.raises(ValueError, match=r"2 saturation value\(s\) given for 3 filter"):
        stack(_hdus(_star()), saturation=[1.0, 2.0], **OPTIONS)
    with pytest.raises(ValueError, match="saturation must be None"):
        stack(_hdus(_star()), saturation="high", **OPTIONS)


def test_recolour_saturated_without_a_ring_leaves_the_region():
    data = np.ones((3, 5, 5), dtype=np.float32)
    saturated = np.ones((5, 5), dtype=bool)  # nothing unsaturated around it
    before = data.copy()
    assert recolour_saturated(data, saturated) == (0, 0, 1)
    np.testing.assert_array_equal(data, before)
    data = np.zeros((2, 9, 9))
    data[0], data[1] = 1.0, 3.0
    data[:, 4, 4] = [5.0, 5.0]  # the second filter clipped at 5: truly 15
    saturated = np.zeros((9, 9), dtype=bool)
    saturated[4, 4] = True
    assert recolour_saturated(data, saturated) == (1, 1, 0)
    np.testing.assert_allclose(data[:, 4, 4], [5.0, 15.0])
