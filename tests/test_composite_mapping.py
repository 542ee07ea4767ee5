"""Tests of narrowband and user mappings (``stack(mapping=...)``) and filter recognition."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import LinearStretch, ManualInterval

from astro_colorgan import stack
from astro_colorgan.composite._filters import filter_info, identify_filter
from astro_colorgan.composite._mapping import mapping_matrix, parse_colour

from _stack_fields import tan_wcs

SHAPE = (30, 40)
WCS = tan_wcs((150.1, 2.2), 0.2, 0.0, SHAPE)
# flat "nebulae" whose levels tell the filters apart in every channel
LEVELS = {"Ha": 0.3, "OIII": 0.2, "SII": 0.1}
LINEAR = dict(background=False, stretch=LinearStretch(), interval=ManualInterval(0, 1),
              linked=False)


def _hdu(filter_name, level=None, **cards):
    header = WCS.to_header()
    if filter_name:
        header["FILTER"] = filter_name
    for key, value in cards.items():
        header[key] = value
    level = LEVELS.get(filter_name, 0.5) if level is None else level
    return fits.PrimaryHDU(np.full(SHAPE, level, dtype=np.float32), header)


def _pixel(composite):
    return composite.rgb[10, 10]


@pytest.mark.parametrize("name", ["Ha", "H-alpha", "Halpha 7nm", "Ha3nm", "F656N", "H_ALPHA"])
def test_identify_h_alpha(name):
    assert identify_filter(name).line == "H"


@pytest.mark.parametrize("name, line", [("OIII", "O"), ("[OIII]", "O"), ("O3", "O"),
                                        ("F502N", "O"), ("SII", "S"), ("S2 6nm", "S"),
                                        ("F673N", "S"), ("NII", "N"), ("F658N", "N")])
def test_identify_other_lines(name, line):
    assert identify_filter(name).line == line


@pytest.mark.parametrize("name, nm", [("g", 477), ("SDSS r'", 623), ("r.MP9601", 623),
                                      ("V", 551), ("F814W", 814), ("F160W", 1600), ("H", 1650),
                                      ("Ks", 2150), ("Red", 640)])
def test_identify_broadband_wavelengths(name, nm):
    info = identify_filter(name)
    assert info.line is None and info.wavelength == pytest.approx(nm)


def test_filter_info_from_headers():
    assert filter_info(fits.Header()).wavelength is None
    assert filter_info(fits.Header({"FILTER": "Luminance"})).wavelength is None
    # ACS: FILTER1 is clear, FILTER2 names the filter; PHOTPLAM (Angstrom) has the last word
    acs = filter_info(fits.Header({"FILTER1": "CLEAR1L", "FILTER2": "F814W",
                                   "PHOTPLAM": 8045.0}))
    assert acs.wavelength == pytest.approx(804.5) and "PHOTPLAM" in acs.source
    nircam = filter_info(fits.Header({"FILTER": "F444W", "INSTRUME": "NIRCAM"}))
    assert nircam.wavelength == pytest.approx(4440)


def test_parse_colour():
    assert parse_colour("red") == (1.0, 0.0, 0.0)
    assert parse_colour("#00ffff") == (0.0, 1.0, 1.0)
    assert parse_colour("G") == (0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="unknown colour 'purplish'"):
        parse_colour("purplish")
    with pytest.raises(ValueError, match="three numbers"):
        parse_colour((1, 2))


# ------------------------------------------------------------- named mappings through stack


@pytest.mark.parametrize("order", [("Ha", "OIII", "SII"), ("SII", "Ha", "OIII")])
def test_stack_sho_gives_the_documented_channels_whatever_the_order(order):
    """SHO: [SII] -> R, H-alpha -> G, [OIII] -> B, found from the FILTER keywords."""
    composite = stack([_hdu(name) for name in order], mapping="SHO", **LINEAR)
    np.testing.assert_allclose(_pixel(composite), [0.1, 0.3, 0.2], atol=1e-6)
    assert "option mapping = SHO" in composite.history
    assert any("[SII] (FILTER = 'SII') -> R" in line for line in composite.history)


def test_stack_hso_and_hoo():
    hso = stack([_hdu("OIII"), _hdu("Ha"), _hdu("SII")], mapping="HSO", **LINEAR)
    np.testing.assert_allclose(_pixel(hso), [0.3, 0.1, 0.2], atol=1e-6)
    hoo = stack([_hdu("Ha"), _hdu("OIII")], mapping="HOO", **LINEAR)
    np.testing.assert_allclose(_pixel(hoo), [0.3, 0.2, 0.2], atol=1e-6)  # OIII in G and B


def test_stack_mapping_without_filter_keywords_goes_by_wavelength_order():
    # no FILTER keywords: taken blue to red, [OIII], H-alpha, [SII]
    filters = [_hdu(None, level) for level in (0.2, 0.3, 0.1)]
    composite = stack(filters, mapping="SHO", **LINEAR)
    np.testing.assert_allclose(_pixel(composite), [0.1, 0.3, 0.2], atol=1e-6)
    assert any("by wavelength order" in line for line in composite.history)


def test_stack_mapping_is_not_grey_balanced():
    """The linked stretch keeps the lines' ratios: H-alpha dominates SHO (green)."""
    composite = stack([_hdu("OIII"), _hdu("Ha"), _hdu("SII")], mapping="SHO",
                      background=False, stretch=1.0)
    r, g, b = _pixel(composite)
    assert g > b > r
    np.testing.assert_allclose([r / g, b / g], [1 / 3, 2 / 3], rtol=1e-4)


def test_stack_user_mappings():
    filters = [_hdu("OIII"), _hdu("Ha")]
    by_name = stack(filters, mapping={"Ha": "red", "OIII": "cyan"}, **LINEAR)
    np.testing.assert_allclose(_pixel(by_name), [0.3, 0.2, 0.2], atol=1e-6)
    by_index = stack(filters, mapping={0: (0, 0.5, 1), 1: "R"}, **LINEAR)
    np.testing.assert_allclose(_pixel(by_index), [0.3, 0.1, 0.2], atol=1e-6)
    matrix = stack(filters + [_hdu("SII")], mapping=[[0, 0, 1], [1, 0, 0], [0.5, 0.5, 0]],
                   **LINEAR)
    np.testing.assert_allclose(_pixel(matrix), [0.35, 0.05, 0.2], atol=1e-6)
    assert "option mapping = custom" in matrix.history


def test_mapping_errors():
    three = [_hdu("OIII"), _hdu("Ha"), _hdu("SII")]
    with pytest.raises(ValueError, match="unknown mapping 'XYZ'"):
        stack(three, mapping="XYZ", **LINEAR)
    with pytest.raises(ValueError, match=r"mapping HOO needs 2 filter\(s\)"):
        stack(three, mapping="HOO", **LINEAR)
    with pytest.raises(ValueError, match="are both H-alpha"):
        stack([_hdu("Ha"), _hdu("Ha"), _hdu("SII")], mapping="SHO", **LINEAR)
    with pytest.raises(ValueError, match="which mapping SHO does not use"):
        stack([_hdu("NII"), _hdu("Ha"), _hdu("SII")], mapping="SHO", **LINEAR)
    with pytest.raises(ValueError, match="gives no colour to"):
        stack(three, mapping={"Ha": "red", "OIII": "blue"}, **LINEAR)
    with pytest.raises(ValueError, match="matches no filter"):
        stack(three, mapping={"Hb": "red"}, **LINEAR)
    with pytest.raises(ValueError, match=r"2 colour\(s\) for 3 filter"):
        stack(three, mapping=[[1, 0, 0], [0, 1, 0]], **LINEAR)
    with pytest.raises(ValueError, match="already say which filter"):
        stack(red=three[2], blue=three[0], mapping="SHO")


def test_mapping_matrix_notes():
    infos = [filter_info(_hdu(name).header) for name in ("OIII", "Ha")]
    matrix, notes = mapping_matrix("HOO", infos, ["o.fits", "h.fits"])
    np.testing.assert_array_equal(matrix, [[0, 1], [1, 0], [1, 0]])
    assert notes == ["o.fits: [OIII] (FILTER = 'OIII') -> G+B",
                     "h.fits: H-alpha (FILTER = 'Ha') -> R"]


# ------------------------------------------------------------- channel order


def test_stack_warns_when_filters_are_red_to_blue():
    filters = [_hdu(name, 0.5) for name in ("i", "r", "g")]
    with pytest.warns(AstropyUserWarning, match="not in order of increasing wavelength.*red="):
        stack(filters, **LINEAR)
    # blue to red, the channel keywords, or a mapping: no warning (filterwarnings = error)
    stack(filters[::-1], **LINEAR)
    stack(red=filters[0], green=filters[1], blue=filters[2], **LINEAR)
    stack(filters, mapping=["red", "green", "blue"], **LINEAR)


def test_stack_channel_keywords():
    blue, green, red = (_hdu(None, level) for level in (0.1, 0.2, 0.3))
    composite = stack(red=red, green=green, blue=blue, **LINEAR)
    np.testing.assert_allclose(_pixel(composite), [0.3, 0.2, 0.1], atol=1e-6)
    assert "channel red: PrimaryHDU #3" in composite.history
    two = stack(red=red, blue=blue, **LINEAR)  # green: their mean
    np.testing.assert_allclose(_pixel(two), [0.3, 0.2, 0.1], atol=1e-6)
    with pytest.raises(ValueError, match="give red= and blue="):
        stack(red=red, green=green)
    with pytest.raises(ValueError, match="not both"):
        stack([blue, green], red=red)
    with pytest.raises(TypeError, match="no filters given"):
        stack()
