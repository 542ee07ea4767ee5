"""Tests of colour calibration (``stack(white_balance=...)``)."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from astro_colorgan import stack

from _stack_fields import FIELD_CENTRE, render_stars, star_positions, tan_wcs

SHAPE = (160, 160)
WCS = tan_wcs(FIELD_CENTRE, 0.2, 0.0, SHAPE)
N_STARS = 40
SLOPES = np.array([-0.4, 0.0, 0.4])  # how a star's colour index moves g, r, i
PERTURBED = np.array([0.7, 1.0, 1.4])  # the bands' gains, to be calibrated away


@pytest.fixture(scope="module")
def star_field():
    positions = star_positions(N_STARS, 13.0, seed=4, min_separation=2.5)
    rng = np.random.default_rng(4)
    flux = rng.uniform(200, 2000, N_STARS)
    index = np.linspace(-1, 1, N_STARS)  # the median star is neutral
    rng.shuffle(index)
    return positions, flux[:, None] * np.exp(np.outer(index, SLOPES)), rng


def _filters(positions, fluxes, *, names="gri"):
    hdus = []
    for band, name in enumerate(names):
        data = render_stars(WCS, SHAPE, positions, fluxes[:, band] * PERTURBED[band], fwhm=0.8,
                            noise=0.05, seed=band)
        header = WCS.to_header()
        header["FILTER"] = name
        hdus.append(fits.PrimaryHDU(data, header))
    return hdus


def _gains(composite):
    line = next(line for line in composite.history if "white balance: gains [" in line)
    return np.array([float(value) for value in line.split("[")[1].split("]")[0].split(",")])


def _assert_calibrated(gains):
    corrected = gains * PERTURBED
    np.testing.assert_allclose(corrected / np.exp(np.log(corrected).mean()), 1.0, atol=0.03)


def test_white_balance_from_the_fields_stars(star_field):
    positions, fluxes, _ = star_field
    filters = _filters(positions, fluxes)
    composite = stack(filters, background=False, white_balance="stars")
    _assert_calibrated(_gains(composite))
    assert "option white_balance = stars" in composite.history
    scatter = next(line for line in composite.history if "scatter" in line)
    before, after = (float(word) for word in scatter.split() if word.replace(".", "").isdigit())
    assert after < before
    # the calibration changes the picture: the field's stars are neutral on average now
    plain = stack(filters, background=False)
    assert not np.allclose(composite.rgb, plain.rgb, equal_nan=True)


@pytest.mark.parametrize("kind", ["magnitudes", "colours", "skycoord"])
def test_white_balance_from_a_catalogue(star_field, kind):
    positions, _, rng = star_field
    flux = rng.uniform(200, 2000, N_STARS)
    fluxes = flux[:, None] * np.exp(np.outer(rng.normal(0, 0.4, N_STARS), SLOPES))
    mags = -2.5 * np.log10(fluxes)
    if kind == "magnitudes":
        table = Table({"ra": positions.ra.deg, "dec": positions.dec.deg, "mag_g": mags[:, 0],
                       "mag_r": mags[:, 1], "mag_i": mags[:, 2]})
    elif kind == "colours":
        table = Table({"ra": positions.ra.deg, "dec": positions.dec.deg,
                       "g-r": mags[:, 0] - mags[:, 1], "r-i": mags[:, 1] - mags[:, 2]})
    else:
        table = Table({"coord": positions, "g": mags[:, 0], "r": mags[:, 1], "i": mags[:, 2]})
    composite = stack(_filters(positions, fluxes), background=False, white_balance=table)
    _assert_calibrated(_gains(composite))
    assert f"option white_balance = catalogue Table of {N_STARS} star(s)" in composite.history
    assert any(f"{N_STARS} of {N_STARS} star(s)" in line for line in composite.history)


def test_white_balance_given_gains_and_errors(star_field):
    positions, fluxes, _ = star_field
    filters = _filters(positions, fluxes)
    given = stack(filters, background=False, white_balance=[1 / 0.7, 1.0, 1 / 1.4])
    _assert_calibrated(_gains(given))
    with pytest.raises(ValueError, match="unknown white_balance 'grey'"):
        stack(filters, white_balance="grey")
    with pytest.raises(ValueError, match=r"2 gain\(s\) given for 3 filter"):
        stack(filters, white_balance=[1, 2])
    with pytest.raises(ValueError, match="finite and above 0"):
        stack(filters, white_balance=[1, 0, 1])
    with pytest.raises(ValueError, match="no magnitude column for"):
        stack(filters, background=False, white_balance=Table(
            {"ra": positions.ra.deg, "dec": positions.dec.deg, "V": np.zeros(N_STARS)}))
    with pytest.raises(ValueError, match="needs sky positions"):
        stack(filters, background=False, white_balance=Table({"g": [1.0], "r": [1.0]}))
    blank = [fits.PrimaryHDU(np.random.default_rng(k).normal(0, 1, SHAPE), WCS.to_header())
             for k in range(3)]
    with pytest.raises(ValueError, match="usable star"):
        stack(blank, background=False, white_balance="stars")
