"""Tests of block averaging with a WCS kept right (PC/CDELT, CD and SIP headers)."""

import numpy as np
import pytest
from astropy.wcs import WCS, Sip

from astro_colorgan.io import block_average, block_wcs


def _wcs(kind):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [50.3, 40.7]
    wcs.wcs.crval = [150.0, 2.0]
    if kind == "pc":
        wcs.wcs.cdelt = [-1e-4, 1e-4]
        wcs.wcs.pc = [[0.8, 0.6], [-0.6, 0.8]]
    else:
        wcs.wcs.cd = [[-8e-5, 6e-5], [6e-5, 8e-5]]
    if kind == "sip":
        wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
        a = np.zeros((4, 4))
        a[2, 0], a[0, 2], a[1, 1], a[3, 0] = 2e-5, -1e-5, 3e-6, 1e-8
        b = np.zeros((4, 4))
        b[2, 0], b[0, 2], b[1, 2] = 1e-5, 2e-5, -2e-8
        wcs.sip = Sip(a, b, None, None, wcs.wcs.crpix)
    wcs.wcs.set()
    return wcs


@pytest.mark.parametrize("kind", ["pc", "cd", "sip"])
@pytest.mark.parametrize("factor", [2, 4, 8])
def test_block_centres_land_where_their_pixels_are(kind, factor):
    wcs = _wcs(kind)
    coarse = block_wcs(wcs, factor)
    j, i = np.meshgrid(np.arange(0, 12.0), np.arange(0, 12.0))
    world = coarse.pixel_to_world_values(i, j)
    x, y = wcs.world_to_pixel_values(*world)
    assert np.max(np.abs(x - (factor * i + (factor - 1) / 2))) < 1e-6
    assert np.max(np.abs(y - (factor * j + (factor - 1) / 2))) < 1e-6


def test_slicing_a_cd_wcs_is_wrong_and_block_wcs_is_not():
    wcs = _wcs("cd")
    with pytest.warns(RuntimeWarning, match="cdelt will be ignored"):
        sliced = wcs[::4, ::4]
    x, y = wcs.world_to_pixel_values(*sliced.pixel_to_world_values(5.0, 5.0))
    assert abs(x - 21.5) > 1  # astropy scales CDELT, which the CD matrix overrides
    x, y = wcs.world_to_pixel_values(*block_wcs(wcs, 4).pixel_to_world_values(5.0, 5.0))
    assert abs(x - 21.5) < 1e-6


def test_block_average_means_and_partial_blocks():
    data = np.arange(30.0).reshape(5, 6)
    data[0, 0] = np.nan
    blocks, coarse = block_average(data, 2, wcs=_wcs("cd"))
    assert blocks.shape == (3, 3)
    assert blocks[0, 0] == pytest.approx(np.nanmean([1, 6, 7]))
    assert blocks[2, 2] == pytest.approx(np.mean([28, 29]))
    assert coarse.wcs.crpix[0] == pytest.approx((50.3 - 0.5) / 2 + 0.5)


@pytest.mark.parametrize("factor", [0, 2.0, True, -1])
def test_bad_factors_are_refused(factor):
    with pytest.raises(ValueError, match="positive integer"):
        block_average(np.zeros((4, 4)), factor)
