"""Tests of the single-band subject, the neutral sky and the hedge of predicted colour."""

import numpy as np
import pytest
import torch
from astropy.io import fits

from astro_colorgan import Colorizer
from astro_colorgan.colorize import DisplayScaling, Subject, choose_subject
from astro_colorgan.colorspace import rgb_to_luma
from astro_colorgan.nets import ColorModel


def _galaxy(n=96, seed=0, sky=100.0, noise=3.0, scale=4.0):
    """A round galaxy on a flat sky with Gaussian noise, in counts."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:n, :n]
    source = 2000 * np.exp(-np.hypot(x - n / 2, y - n / 2) / scale)
    return (source + sky + rng.normal(0, noise, (n, n))).astype(np.float32)


@pytest.fixture(scope="module")
def subject_model_path(tmp_path_factory):
    """A small untrained subject-conditioned model, its subject planes' weights large
    enough to matter."""
    from astro_colorgan.nets import save_model

    torch.manual_seed(2)
    grid = np.linspace(-1, 1, 5, dtype=np.float32)
    centres = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    model = ColorModel(width=8, head="classify", bin_centres=centres, temperature=0.5,
                       subjects=True)
    with torch.no_grad():
        model.generator.stem[0].weight[:, 1:] *= 20
    path = tmp_path_factory.mktemp("models") / "subjects.safetensors"
    save_model(model, path, info={"what": "subject test model"})
    return path


@pytest.mark.parametrize("header, kind, band", [
    ({"FILTER": "F606W", "INSTRUME": "ACS"}, "field", 606.0),
    ({"FILTER": "r"}, "field", 623.0),
    ({"FILTER": "F814W", "PHOTPLAM": 8045.0}, "field", 804.5),
    ({"FILTER": "Ha"}, "photograph", None),  # a narrowband filter
    ({"FILTER": "CLEAR"}, "photograph", None),
    ({}, "photograph", None)])
def test_the_subject_is_chosen_from_the_filter_keywords(header, kind, band):
    subject = choose_subject("auto", fits.Header(header))
    assert (subject.kind, subject.band) == (kind, band)
    assert choose_subject("auto", fits.Header(header), display_ready=True).kind == \
        "photograph"


def test_an_explicit_subject_overrides_the_header():
    header = fits.Header({"FILTER": "r"})
    assert choose_subject("photograph", header) == Subject("photograph", reason="as asked")
    field = choose_subject("field", fits.Header(), filters=["g", "r", "i"])
    r = choose_subject("auto", fits.Header({"FILTER": "r"}))
    assert field.kind == "field" and field.band == r.band
    vector = field.vector
    assert vector[0] == 1 and vector[2] < 0 < vector[3]
    # display filters blue to red; the middle one is the colorized filter without a header
    assert np.allclose(2 ** vector[2] * field.band, field.blue)
    with pytest.raises(ValueError, match="subject must be one of"):
        choose_subject("galaxy", header)


def test_filters_as_one_comma_string_are_the_list():
    """``filters="g,r,i"`` (the command line's form) means ``["g", "r", "i"]``,
    never the letters and commas one by one."""
    listed = choose_subject("field", fits.Header(), filters=["g", "r", "i"])
    assert choose_subject("field", fits.Header(), filters="g, r,i") == listed
    assert Colorizer(subject="field", filters="g,r,i", device="cpu").filters == ("g", "r", "i")


def test_the_subject_is_recorded_and_reaches_the_network(subject_model_path, tmp_path):
    data = _galaxy()
    path = tmp_path / "r.fits"
    fits.PrimaryHDU(data, fits.Header({"FILTER": "r", "INSTRUME": "DECam"})).writeto(path)
    auto = Colorizer(subject_model_path, device="cpu")
    assert auto.choose_subject(path).kind == "field"
    field = auto.colorize(path)
    photo = Colorizer(subject_model_path, device="cpu", subject="photograph").colorize(path)
    history = "\n".join(field.header["HISTORY"])
    assert "broadband survey field, filter at 623 nm" in history
    assert "FILTER = 'r' names a broadband filter" in history
    assert "deep-sky colour photograph (as asked)" in "\n".join(photo.header["HISTORY"])
    # the subject planes change the predicted colour, never the luminance
    assert np.abs(field.chroma - photo.chroma).max() > 1e-3
    np.testing.assert_array_equal(field.luminance, photo.luminance)
    np.testing.assert_allclose(rgb_to_luma(field.rgb.astype(float)), field.luminance,
                               atol=2e-6)
    # the file written band by band is told the same
    out = tmp_path / "out.fits"
    auto.colorize_file(path, out)
    np.testing.assert_array_equal(fits.getdata(out), np.moveaxis(field.rgb, -1, 0))


def test_a_flat_sky_gets_no_colour(tiny_model_path):
    colorizer = Colorizer(tiny_model_path, device="cpu")
    data = _galaxy(sky=500.0, noise=10.0)
    result = colorizer.colorize(data)
    plain = Colorizer(tiny_model_path, device="cpu", neutral_sky=False).colorize(data)
    chroma = np.hypot(*result.chroma)
    sky = np.hypot(*np.mgrid[:96, :96] - 48) > 30
    assert chroma[sky].max() == 0  # the sky within its noise: neutral
    assert np.hypot(*plain.chroma)[sky].mean() > 1e-4  # which the network alone colours
    centre = slice(44, 52)
    np.testing.assert_allclose(result.chroma[:, centre, centre], plain.chroma[:, centre, centre],
                               atol=1e-6)  # the galaxy keeps its colour
    np.testing.assert_array_equal(result.luminance, plain.luminance)
    np.testing.assert_allclose(rgb_to_luma(result.rgb.astype(float)), result.luminance,
                               atol=2e-6)


def test_sky_weight_follows_the_sky_level_and_noise():
    data = _galaxy(sky=0.0, noise=1.0, scale=2.0)
    scaling = DisplayScaling(lambda a, b: data[a:b], data.shape, stretch="linear", Q=8)
    luma, _ = scaling(data)
    low, high = scaling.sky_limits
    span = float(scaling.vmax - scaling.vmin)
    # the luma of the sky plus 1 and 3 standard deviations
    assert abs(low * span + scaling.vmin - 1.0) < 0.2 and abs(high * span + scaling.vmin - 3) < 0.4
    weight = scaling.sky_weight(luma)
    assert weight[48, 48] == 1 and weight[5, 5] == 0


def test_the_hedge_pulls_uncertain_colour_to_neutral(tiny_model_path):
    data = _galaxy()
    plain = Colorizer(tiny_model_path, device="cpu", neutral_sky=False)
    hedged = Colorizer(tiny_model_path, device="cpu", neutral_sky=False, hedge=2.0)
    a, b = plain.colorize(data), hedged.colorize(data)
    ratio = np.hypot(*b.chroma) / np.maximum(np.hypot(*a.chroma), 1e-12)
    assert ratio.max() <= 1 + 1e-5 and ratio.mean() < 0.9
    np.testing.assert_array_equal(a.luminance, b.luminance)
    assert "option hedge = 2" in "\n".join(b.header["HISTORY"])
