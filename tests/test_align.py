"""Tests of the alignment of several images on one grid."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs.utils import proj_plane_pixel_scales

from astro_colorgan.align import (
    align_images,
    common_grid,
    interpolation_order,
    parse_reference,
    reproject_image,
)

from _stack_fields import FIELD_CENTRE, measure_centroids, tan_wcs, three_filter_field


@pytest.fixture(scope="module")
def align_star_field():
    return three_filter_field()


def test_align_places_stars_at_their_sky_positions(align_star_field):
    filters, positions = align_star_field
    aligned = align_images(filters)
    assert aligned.data.shape == (3,) + aligned.shape and aligned.data.dtype == np.float32
    expected = np.column_stack(aligned.wcs.world_to_pixel(positions))
    for plane in aligned.data:
        offsets = np.hypot(*(measure_centroids(plane, expected) - expected).T)
        assert np.median(offsets) <= 0.05 and offsets.max() < 0.15


def test_default_grid_is_north_up_at_finest_scale_and_covers_all(align_star_field):
    filters, _ = align_star_field
    aligned = align_images(filters)
    scales = proj_plane_pixel_scales(aligned.wcs) * 3600
    np.testing.assert_allclose(scales, 0.20, rtol=1e-6)  # finest input scale
    np.testing.assert_allclose(aligned.wcs.wcs.get_pc(), np.eye(2), atol=1e-12)  # north up
    # every input pixel centre lies inside the grid
    for data, wcs in filters:
        ny, nx = data.shape
        corners = wcs.pixel_to_world([0, nx - 1, 0, nx - 1], [0, 0, ny - 1, ny - 1])
        x, y = aligned.wcs.world_to_pixel(corners)
        assert np.all((x > -0.5) & (x < aligned.shape[1] - 0.5))
        assert np.all((y > -0.5) & (y < aligned.shape[0] - 0.5))


def test_footprint_is_nan_outside_each_filter(align_star_field):
    filters, _ = align_star_field
    aligned = align_images(filters)
    assert np.array_equal(aligned.footprint, np.isfinite(aligned.data))
    covered = aligned.footprint.mean(axis=(1, 2))
    assert np.all(covered > 0.2) and np.all(covered < 0.95)  # rotated grids leave blank corners
    assert not np.logical_or.reduce(aligned.footprint)[0, 0]  # a corner no filter reaches
    assert np.isnan(aligned.data[:, 0, 0]).all()


def test_reference_grid_forms(align_star_field, tmp_path):
    filters, _ = align_star_field
    data, wcs = filters[1]
    path = tmp_path / "reference.fits"
    fits.writeto(path, data, header=wcs.to_header())
    for reference in (str(path), wcs, (wcs, data.shape), fits.PrimaryHDU(data, wcs.to_header())):
        aligned = align_images(filters, reference=reference)
        assert aligned.shape == data.shape
        np.testing.assert_allclose(aligned.wcs.pixel_scale_matrix, wcs.pixel_scale_matrix)
        # the reference's own filter is copied, not interpolated
        np.testing.assert_array_equal(aligned.data[1], data)


def test_parse_reference_errors(align_star_field):
    _, wcs = align_star_field[0][0]
    bare = wcs.deepcopy()
    bare.pixel_shape = None
    with pytest.raises(ValueError, match="no pixel_shape"):
        parse_reference(bare)
    with pytest.raises(ValueError, match="has no celestial WCS"):
        parse_reference(np.ones((5, 5)))
    header = fits.Header()
    with pytest.raises(ValueError, match="NAXIS1/NAXIS2"):
        parse_reference(header)


def test_identical_grids_are_not_resampled():
    wcs = tan_wcs(FIELD_CENTRE, 0.2, 12.0, (40, 50))
    rng = np.random.default_rng(0)
    images = [(rng.normal(size=(40, 50)).astype(np.float32), wcs) for _ in range(2)]
    aligned = align_images(images)
    assert aligned.shape == (40, 50)
    np.testing.assert_array_equal(aligned.data[0], images[0][0])
    np.testing.assert_array_equal(aligned.data[1], images[1][0])


def test_images_without_wcs_need_the_explicit_option():
    a, b = np.ones((30, 40)), np.zeros((30, 40))
    with pytest.raises(ValueError, match=r"array #2 has no celestial WCS.*allow_no_wcs=True"):
        align_images([(a, tan_wcs(FIELD_CENTRE, 0.2, 0, a.shape)), b])
    aligned = align_images([a, b], allow_no_wcs=True)
    assert aligned.wcs is None and aligned.data.shape == (2, 30, 40)
    np.testing.assert_array_equal(aligned.data[1], b)
    with pytest.raises(ValueError, match="must have one shape"):
        align_images([a, np.ones((31, 40))], allow_no_wcs=True)
    with pytest.warns(AstropyUserWarning, match="taken to be on the grid"):
        mixed = align_images([(a, tan_wcs(FIELD_CENTRE, 0.2, 0, a.shape)), b],
                             allow_no_wcs=True)
    assert mixed.wcs is not None
    with pytest.raises(ValueError, match="cannot be aligned with the reference grid"):
        align_images([a], reference=tan_wcs(FIELD_CENTRE, 0.2, 0, a.shape))


def test_non_overlapping_filters_are_refused():
    shape = (50, 50)
    near = (np.ones(shape), tan_wcs(FIELD_CENTRE, 0.2, 0, shape))
    far = (np.ones(shape), tan_wcs((FIELD_CENTRE[0] + 0.01, FIELD_CENTRE[1]), 0.2, 30, shape))
    opposite = (np.ones(shape), tan_wcs((FIELD_CENTRE[0] + 180, -FIELD_CENTRE[1]), 0.2, 0, shape))
    for other in (far, opposite):
        with pytest.raises(ValueError, match=r"do not overlap on the sky: array #1 and array #2"):
            align_images([near, other])
    with pytest.raises(ValueError, match="does not overlap the reference grid"):
        align_images([near], reference=far[1])


def test_huge_common_grid_is_refused():
    fine = (np.ones((50, 50)), tan_wcs(FIELD_CENTRE, 0.001, 0, (50, 50)))
    coarse = (np.ones((50, 50)), tan_wcs(FIELD_CENTRE, 60.0, 0, (50, 50)))
    with pytest.raises(ValueError, match="common grid would be .* choose a reference grid"):
        align_images([fine, coarse])


@pytest.mark.parametrize("order", ["nearest-neighbor", "bilinear", "biquadratic", "bicubic", 3])
def test_interpolation_orders_keep_holes(order):
    shape = (40, 40)
    data = np.full(shape, 5.0, dtype=np.float32)
    data[18:22, 18:22] = np.nan  # a hole of bad pixels
    source = tan_wcs(FIELD_CENTRE, 0.2, 20.0, shape)
    target = tan_wcs(FIELD_CENTRE, 0.2, 0.0, shape)
    out = reproject_image(data, source, target, shape, order=order)
    assert np.isnan(out[20, 20]) and np.isnan(out[0, 0])
    finite = out[np.isfinite(out)]
    np.testing.assert_allclose(finite, 5.0, rtol=1e-4)
    assert 0.6 < finite.size / out.size < 0.95


def test_exact_reprojection_conserves_surface_brightness():
    shape = (30, 30)
    rng = np.random.default_rng(2)
    data = rng.uniform(1, 2, shape)
    source = tan_wcs(FIELD_CENTRE, 0.2, 10.0, shape)
    target = tan_wcs(FIELD_CENTRE, 0.4, 0.0, (12, 12))
    aligned = align_images([(data, source)], reference=(target, (12, 12)), exact=True,
                           dtype=np.float64)
    out = aligned.data[0]
    assert np.isfinite(out).all()
    assert abs(out.mean() - data.mean()) < 0.05


def test_interpolation_order_names():
    assert [interpolation_order(name) for name in
            ("nearest-neighbor", "bilinear", "biquadratic", "bicubic")] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="unknown interpolation order"):
        interpolation_order("spline")
    with pytest.raises(ValueError, match="0 to 3"):
        interpolation_order(7)


def test_common_grid_of_one_grid_is_that_grid():
    wcs = tan_wcs(FIELD_CENTRE, 0.3, 25.0, (20, 30))
    grid_wcs, shape = common_grid([(wcs, (20, 30))])
    assert shape == (20, 30)
    np.testing.assert_allclose(grid_wcs.pixel_scale_matrix, wcs.pixel_scale_matrix)


def test_bad_image_list():
    with pytest.raises(TypeError, match="list of images"):
        align_images(np.ones((5, 5)))
    with pytest.raises(ValueError, match="no images"):
        align_images([])
