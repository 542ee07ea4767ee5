"""Tests of the sky background subtraction."""

import numpy as np
import pytest
from astropy.utils.exceptions import AstropyUserWarning

from astro_colorgan.background import estimate_background, subtract_background
from astro_colorgan.background._core import default_box_size
from astro_colorgan.io import read_image

from _stack_fields import FIELD_CENTRE, tan_wcs

SHAPE = (160, 192)


@pytest.fixture
def background_scene():
    """Sky with a tilt, a bright extended galaxy and noise; returns (image, true sky)."""
    rng = np.random.default_rng(11)
    y, x = np.mgrid[: SHAPE[0], : SHAPE[1]]
    sky = 20.0 + 0.02 * x - 0.01 * y
    galaxy = 300.0 * np.exp(-np.hypot(x - 90, y - 75) / 5.0)
    image = sky + galaxy + rng.normal(0.0, 1.0, SHAPE)
    return image, sky


def test_default_box_size_follows_image_size():
    assert default_box_size((256, 256)) == 32
    assert default_box_size((4096, 2048)) == 128
    assert default_box_size((40, 1000)) == 8


def test_source_masking_recovers_the_sky_under_a_galaxy(background_scene):
    image, sky = background_scene
    masked, rms = estimate_background(image)
    plain, _ = estimate_background(image, mask_sources=False)
    error_masked = np.abs(masked - sky)
    error_plain = np.abs(plain - sky)
    assert np.median(error_masked) < 0.2  # box medians of 400 noisy pixels, edge effects
    # under the galaxy, the unmasked estimate is pulled up by its light
    assert error_plain[75, 90] > 2.0 and error_masked[75, 90] < 1.0
    assert error_masked.max() < error_plain.max() / 2
    assert np.median(rms) == pytest.approx(1.0, abs=0.1)


def test_no_data_regions_stay_nan(background_scene):
    image, sky = background_scene
    image = image.copy()
    image[:30, :50] = np.nan
    background, rms = estimate_background(image)
    assert np.isnan(background[:30, :50]).all() and np.isnan(rms[:30, :50]).all()
    assert np.isfinite(background[30:]).all()
    assert np.nanmedian(np.abs(background - sky)) < 0.15


def test_subtract_background_returns_a_new_image(background_scene):
    image, sky = background_scene
    wcs = tan_wcs(FIELD_CENTRE, 0.2, 0.0, SHAPE)
    original = read_image((image, wcs))
    before = original.data.copy()
    result = subtract_background(original)
    np.testing.assert_array_equal(original.data, before)
    assert result.wcs is original.wcs and result.name == original.name
    assert np.array_equal(result.mask, original.mask)
    # the sky is gone, the galaxy stays
    assert abs(np.median(result.data[20:60, 20:60])) < 0.2
    assert result.data[75, 90] > 280
    np.testing.assert_allclose(np.median(image - sky - result.data), 0.0, atol=0.1)


def test_tiny_image_gets_a_constant_background():
    data = 3.0 + np.random.default_rng(0).normal(0, 0.5, (16, 20))
    with pytest.warns(AstropyUserWarning, match="constant sky level"):
        background, rms = estimate_background(data)
    assert np.ptp(background) == 0 and background[0, 0] == pytest.approx(3.0, abs=0.3)


def test_float32_stays_float32(background_scene):
    image, _ = background_scene
    background, rms = estimate_background(image.astype(np.float32))
    assert background.dtype == np.float32 and rms.dtype == np.float32
