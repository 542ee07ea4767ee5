"""Tests of channel mixing, stretches and `stack`."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import (
    LinearStretch,
    ManualInterval,
    MinMaxInterval,
    SqrtStretch,
    ZScaleInterval,
)
from astropy.wcs import WCS

from astro_colorgan import stack
from astro_colorgan.composite import SkyPercentileInterval
from astro_colorgan.composite._channels import channel_matrix
from astro_colorgan.composite._stretch import resolve_stretch
from astro_colorgan.data import get_sample_path
from astro_colorgan.version import version

from _stack_fields import measure_centroids, three_filter_field


@pytest.fixture(scope="module")
def composite_star_field():
    return three_filter_field()


@pytest.fixture(scope="module")
def composite_samples():
    return [get_sample_path(f"sample_{band}.fits") for band in "gri"]


# ------------------------------------------------------------- alignment through stack


def _channel_centroids(composite, positions):
    expected = np.column_stack(composite.wcs.world_to_pixel(positions))
    return expected, [measure_centroids(composite.rgb[:, :, k], expected) for k in range(3)]


def test_stack_star_centroids_agree_across_channels_and_with_sky(composite_star_field):
    """Three filters on grids with scales 0.20/0.26/0.31 arcsec, rotations 0/+15/-18 degrees."""
    filters, positions = composite_star_field
    composite = stack(filters, stretch=LinearStretch(), interval=MinMaxInterval())
    expected, centroids = _channel_centroids(composite, positions)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        offsets = np.hypot(*(centroids[a] - centroids[b]).T)
        assert np.median(offsets) <= 0.1 and offsets.max() < 0.3
    for channel in centroids:  # the output WCS puts every star where it is on the sky
        offsets = np.hypot(*(channel - expected).T)
        assert np.median(offsets) <= 0.1 and offsets.max() < 0.3


def test_stack_default_stretch_keeps_stars_aligned(composite_star_field):
    filters, positions = composite_star_field
    composite = stack(filters)
    _, centroids = _channel_centroids(composite, positions)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        offsets = np.hypot(*(centroids[a] - centroids[b]).T)
        assert np.median(offsets) <= 0.1


def test_stack_keeps_nan_footprint(composite_star_field):
    filters, _ = composite_star_field
    composite = stack(filters)
    assert composite.rgb.shape == composite.shape + (3,) and composite.rgb.dtype == np.float32
    blank = np.isnan(composite.rgb)
    assert np.array_equal(blank.any(axis=2), blank.all(axis=2))
    assert np.array_equal(~blank[:, :, 0], composite.footprint)
    assert np.array_equal(composite.footprint, composite.coverage.any(axis=0))
    assert 0.2 < (~composite.footprint).mean() < 0.8  # blank corners of rotated grids
    values = composite.rgb[~blank]
    assert values.min() >= 0 and values.max() <= 1


# ------------------------------------------------------------- channels


def test_channel_matrix_orders_filters_blue_to_red():
    np.testing.assert_array_equal(channel_matrix(1), np.ones((3, 1)))
    np.testing.assert_array_equal(channel_matrix(3), [[0, 0, 1], [0, 1, 0], [1, 0, 0]])
    two = channel_matrix(2)
    np.testing.assert_array_equal(two[0], [0, 1])  # red from the redder filter
    np.testing.assert_array_equal(two[1], [0.5, 0.5])  # synthesised green
    np.testing.assert_array_equal(two[2], [1, 0])
    for n in (4, 5, 7):
        matrix = channel_matrix(n)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
        assert matrix[2, 0] == matrix[2].max() and matrix[0, -1] == matrix[0].max()
        # red weight grows and blue weight falls along the spectrum
        assert np.all(np.diff(matrix[0]) >= 0) and np.all(np.diff(matrix[2]) <= 0)
    with pytest.raises(ValueError):
        channel_matrix(0)


def test_stack_linked_and_per_filter_differ_in_colour_balance(composite_samples):
    linked = stack(composite_samples)
    per_filter = stack(composite_samples, linked=False, stretch="sqrt")
    assert linked.shape == per_filter.shape
    assert np.array_equal(np.isnan(linked.rgb), np.isnan(per_filter.rgb))
    mean_linked = np.nanmean(linked.rgb, axis=(0, 1))
    mean_per_filter = np.nanmean(per_filter.rgb, axis=(0, 1))
    assert not np.allclose(mean_linked, mean_per_filter, atol=0.01)
    # a brighter red filter makes a redder image in linked mode only
    redder = stack(composite_samples, weights=[1.0, 1.0, 3.0])
    assert np.nanmean(redder.rgb[:, :, 0]) > np.nanmean(linked.rgb[:, :, 0]) + 0.01


def test_sky_percentile_interval():
    values = np.concatenate([np.random.default_rng(1).normal(0, 1, 10000), [np.nan, 1e6]])
    vmin, vmax = SkyPercentileInterval(99.0, sky_sigma=1.0, min_snr=0).get_limits(values)
    assert vmin == pytest.approx(-1.0, abs=0.1) and 2.0 < vmax < 2.6
    # in a sparse field the percentile lies in the noise: the upper limit stays min_snr up
    vmin, vmax = SkyPercentileInterval(99.0, min_snr=30).get_limits(values)
    assert vmax == pytest.approx(30.0, rel=0.05)
    with pytest.raises(ValueError, match="upper_percentile"):
        SkyPercentileInterval(0)


@pytest.mark.parametrize("stretch", ["asinh", "linear", "sqrt", "log", "sinh", SqrtStretch()])
def test_stack_accepts_every_stretch(stretch, composite_samples):
    composite = stack(composite_samples, stretch=stretch, interval=ZScaleInterval(),
                      background=False)
    values = composite.rgb[composite.footprint]
    assert values.min() >= 0 and values.max() <= 1 and values.std() > 0.01


def test_stack_option_errors(composite_samples):
    with pytest.raises(ValueError, match="unknown stretch 'gamma'"):
        stack(composite_samples, stretch="gamma")
    with pytest.raises(ValueError, match="Q must be between 0.001 and 10000"):
        stack(composite_samples, Q=-1)
    with pytest.raises(ValueError, match="2 weight"):
        stack(composite_samples, weights=[1, 2])
    with pytest.raises(ValueError, match="not negative"):
        stack(composite_samples, weights=[1, -2, 1])
    with pytest.raises(ValueError, match="needs linked=False"):
        stack(composite_samples, stretch=["sqrt", "log", "asinh"])
    with pytest.raises(TypeError, match="astropy.visualization interval"):
        stack(composite_samples, interval=(0, 1))
    with pytest.raises(TypeError, match="list of images"):
        stack(composite_samples[0])
    with pytest.raises(ValueError, match="no filters"):
        stack([])


def test_stack_per_filter_stretch_list(composite_samples):
    composite = stack(composite_samples, linked=False, stretch=["sqrt", "log", "asinh"])
    assert any("SqrtStretch" in line and "LogStretch" in line for line in composite.history)


# ------------------------------------------------------------- numbers of filters


@pytest.mark.parametrize("n_filters", [1, 2, 4, 5])
def test_stack_any_number_of_filters(n_filters, composite_samples):
    paths = (composite_samples * 2)[:n_filters]
    if n_filters > 3:  # g, r, i, g ...: their FILTER keywords are not blue to red
        with pytest.warns(AstropyUserWarning, match="not in order of increasing wavelength"):
            composite = stack(paths)
    else:
        composite = stack(paths)
    assert composite.rgb.shape[2] == 3 and composite.coverage.shape[0] == n_filters
    if n_filters == 1:  # grey
        good = composite.footprint
        np.testing.assert_allclose(composite.rgb[good, 0], composite.rgb[good, 2])
    assert f"input {n_filters}: " in "\n".join(composite.history)


def test_stack_without_background_keeps_the_sky(composite_star_field):
    filters, _ = composite_star_field
    lifted = [(data + 5.0, wcs) for data, wcs in filters]
    subtracted = stack(lifted, stretch="linear", interval=ManualInterval(0, 1))
    kept = stack(lifted, stretch="linear", interval=ManualInterval(0, 1), background=False)
    assert np.nanmedian(subtracted.rgb) < 0.1 and np.nanmedian(kept.rgb) > 0.9


# ------------------------------------------------------------- outputs


def test_stack_history_records_version_inputs_and_options(composite_samples, tmp_path):
    composite = stack(composite_samples, Q=9.5, weights=[1.0, 0.9, 1.1])
    path = tmp_path / "composite.fits"
    composite.write_fits(path)
    with fits.open(path) as hdulist:
        header = hdulist[0].header
        cube = hdulist[0].data
    history = list(header["HISTORY"])
    assert history[0].startswith(f"astro_colorgan {version} stack")
    for number, band in enumerate("gri", start=1):
        assert f"input {number}: sample_{band}.fits[0]" in history
    options = {line.split(" = ")[0][len("option "):] for line in history if " = " in line}
    assert options >= {"background", "box_size", "stretch", "Q", "interval", "linked",
                       "weights", "hdu", "reference", "order", "exact", "allow_no_wcs"}
    assert "option Q = 9.5" in history and "option weights = [1, 0.9, 1.1]" in history
    assert cube.shape == (3,) + composite.shape and cube.dtype.str[1:] == "f4"
    np.testing.assert_array_equal(cube[0], composite.rgb[:, :, 0])  # plane 1 = R
    celestial = WCS(header).celestial
    np.testing.assert_allclose(celestial.pixel_to_world_values(10, 20),
                               composite.wcs.pixel_to_world_values(10, 20))
    with pytest.raises(FileExistsError):
        composite.write_fits(path)


def test_stack_image_has_transparent_gaps_and_avm(composite_samples, tmp_path):
    from PIL import Image
    from pyavm import AVM

    composite = stack(composite_samples)
    path = tmp_path / "composite.png"
    composite.write_image(path)
    with Image.open(path) as image:
        alpha = np.array(image)[:, :, 3]
    np.testing.assert_array_equal(alpha == 0, ~composite.footprint[::-1])
    avm = AVM.from_image(str(path))
    np.testing.assert_allclose(avm.to_wcs().pixel_to_world_values(5.0, 7.0),
                               composite.wcs.pixel_to_world_values(5.0, 7.0), atol=1e-9)


def test_composite_is_the_rgb_image_that_writes_itself(composite_samples, tmp_path):
    from astro_colorgan.composite import RGBImage
    from astro_colorgan.io import make_rgb_hdu, write_fits

    composite = stack(composite_samples)
    assert isinstance(composite, RGBImage)
    composite.write_fits(tmp_path / "composite.fits")
    write_fits(make_rgb_hdu(composite.rgb, wcs=composite.wcs, history=composite.history),
               tmp_path / "hdu.fits")
    assert (tmp_path / "composite.fits").read_bytes() == (tmp_path / "hdu.fits").read_bytes()
    assert [hdu.name for hdu in composite.to_hdulist()] == ["PRIMARY"]
    text = repr(composite)
    ny, nx = composite.shape
    ra, dec = composite.wcs.pixel_to_world_values((nx - 1) / 2, (ny - 1) / 2)
    assert text.startswith(f"<CompositeImage shape=({ny}, {nx}) names=['sample_g.fits[0]'")
    assert f"centre RA/DEC ({float(ra):.6f}, {float(dec):.6f}) deg>" in text
    assert len(text) < 200  # never the arrays


# ------------------------------------------------------------- compose


def _compose(filters, **options):
    from astro_colorgan.composite._compose import compose

    return compose(filters, **options)


def test_compose_weights_and_gaps():
    from astro_colorgan.composite._channels import weighted_matrix

    filters = np.ones((3, 4, 5), dtype=np.float32)
    filters[0, 0, 0] = np.nan  # blue missing at one pixel
    filters[:, 1, 1] = np.nan  # nothing at another
    rgb = _compose(filters, matrix=weighted_matrix(3, weights=[2.0, 1.0, 0.5]),
                   stretches=[LinearStretch()] * 3, interval=ManualInterval(0.0, 4.0),
                   linked=False)
    assert rgb.shape == (3, 4, 5) and rgb.dtype == np.float32
    np.testing.assert_allclose(rgb[:, 3, 3], [0.125, 0.25, 0.5])  # R, G, B
    np.testing.assert_allclose(rgb[:, 0, 0], [0.125, 0.25, 0.0])  # blue gives nothing
    assert np.isnan(rgb[:, 1, 1]).all()
    with pytest.raises(ValueError, match="2 weight"):
        weighted_matrix(3, weights=[1, 2])


def test_compose_linked_preserves_colour_in_place():
    from astro_colorgan.composite._channels import channel_matrix
    from astro_colorgan.composite._stretch import resolve_stretch

    rng = np.random.default_rng(5)
    channels = rng.uniform(0.01, 1.0, (3, 30, 30)).astype(np.float32)
    channels[:, 0, 0] = [50.0, 25.0, 5.0]  # far above the upper limit
    filters = np.ascontiguousarray(channels[::-1])  # blue to red
    rgb = _compose(filters, matrix=channel_matrix(3), stretches=[resolve_stretch("asinh", Q=8)],
                   interval=ManualInterval(0.0, 1.0))
    assert np.shares_memory(rgb, filters)  # three float32 filters: written in place
    np.testing.assert_allclose(rgb[0] / rgb[1], channels[0] / channels[1], rtol=1e-4)
    np.testing.assert_allclose(rgb[:, 0, 0], [1.0, 0.5, 0.1], rtol=1e-5)  # saturated, same hue
    assert rgb.max() <= 1.0 and rgb.min() >= 0.0


def test_compose_per_filter_normalises_each_filter():
    from astro_colorgan.composite._channels import channel_matrix

    rng = np.random.default_rng(6)
    filters = rng.uniform(0, 1, (3, 20, 20)).astype(np.float32)
    scaled = filters * np.array([1.0, 10.0, 100.0], dtype=np.float32)[:, None, None]
    options = dict(matrix=channel_matrix(3), stretches=[SqrtStretch()] * 3,
                   interval=MinMaxInterval(), linked=False)
    np.testing.assert_allclose(_compose(scaled, **options), _compose(filters, **options),
                               atol=1e-5)


@pytest.mark.parametrize("linked", [True, False])
def test_compose_block_by_block_is_the_whole(linked, monkeypatch):
    from astro_colorgan.composite import _compose as module
    from astro_colorgan.composite._channels import channel_matrix

    rng = np.random.default_rng(7)
    filters = rng.uniform(0, 1, (2, 40, 30))  # float64, two filters: a new cube
    options = dict(matrix=channel_matrix(2), stretches=[SqrtStretch()] * 2,
                   interval=MinMaxInterval(), linked=linked)
    whole = _compose(filters.copy(), **options)
    monkeypatch.setattr(module, "_BLOCK_PIXELS", 70)  # blocks of two rows and a bit
    blocks = _compose(filters.copy(), **options)
    assert whole.dtype == np.float64 and whole.shape == (3, 40, 30)
    np.testing.assert_array_equal(blocks, whole)


# ------------------------------------------------------------- make_lupton_rgb's parameters


def _lupton_field(seed=2, shape=(50, 60)):
    """Three aligned (data, wcs) filters with a sky, sources and a star far above white."""
    from _stack_fields import tan_wcs

    rng = np.random.default_rng(seed)
    wcs = tan_wcs((150.1, 2.2), 0.2, 0.0, shape)
    r, g, b = (rng.gamma(1.0, scale, shape) for scale in (2.0, 1.5, 1.0))
    r[20, 30], g[20, 30], b[20, 30] = 900.0, 500.0, 120.0
    return (r, wcs), (g, wcs), (b, wcs)


@pytest.mark.parametrize("minimum, stretch, Q", [(None, 5, 8), (0.5, 0.5, 8), (0, 20, 3),
                                                 ([0.1, 0.2, 0.3], 2.0, 10), (0, 10, 0)])
def test_stack_equals_make_lupton_rgb(minimum, stretch, Q):
    from astropy.visualization import make_lupton_rgb

    red, green, blue = _lupton_field()
    options = dict(stretch=stretch, Q=Q) if minimum is None else dict(
        minimum=minimum, stretch=stretch, Q=Q)
    composite = stack(red=red, green=green, blue=blue, background=False, **options)
    expected = make_lupton_rgb(red[0], green[0], blue[0], **options)  # uint8
    assert composite.rgb.shape == expected.shape
    assert np.abs(composite.rgb - expected / 255.0).max() <= 1 / 255 + 1e-6
    exact = make_lupton_rgb(red[0], green[0], blue[0], output_dtype=np.float64, **options)
    np.testing.assert_allclose(composite.rgb, exact, atol=1e-5)
    # the same with the filters listed blue to red
    listed = stack([blue, green, red], background=False, **options)
    np.testing.assert_array_equal(listed.rgb, composite.rgb)
    assert f"option stretch = LuptonStretch(stretch={float(stretch)}" in "\n".join(
        composite.history)


def test_stack_lupton_stretch_habit_and_its_errors(composite_samples):
    composite = stack(composite_samples, stretch=0.5)  # make_lupton_rgb's habit: a number
    values = composite.rgb[composite.footprint]
    assert values.min() >= 0 and values.max() <= 1 and values.std() > 0.01
    assert "option minimum (R, G, B) = [0, 0, 0]" in composite.history
    with pytest.raises(ValueError, match="takes no interval="):
        stack(composite_samples, stretch=5, interval=ZScaleInterval())
    with pytest.raises(ValueError, match="needs linked=True"):
        stack(composite_samples, stretch=5, linked=False)
    with pytest.raises(ValueError, match="minimum= is make_lupton_rgb's"):
        stack(composite_samples, minimum=0)
    with pytest.raises(ValueError, match="stretch must be a number above 0"):
        stack(composite_samples, stretch=-1)
    with pytest.raises(ValueError, match="minimum must be one finite number or three"):
        stack(composite_samples, stretch=5, minimum=[0, 1])


def test_lupton_stretch_is_astropys():
    from astro_colorgan.composite._stretch import LuptonStretch

    values = np.linspace(0, 40, 9)
    try:
        from astropy.visualization import LuptonAsinhStretch
    except ImportError:  # astropy < 7
        pytest.skip("astropy has no LuptonAsinhStretch")
    for stretch, Q in ((5, 8), (0.3, 2), (10, 0)):
        np.testing.assert_allclose(LuptonStretch(stretch, Q)(values, clip=False),
                                   LuptonAsinhStretch(stretch, Q)(values, clip=False))
    inverse = LuptonStretch(5, 8).inverse
    np.testing.assert_allclose(inverse(LuptonStretch(5, 8)(values, clip=False)), values)
