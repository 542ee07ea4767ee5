"""Tests of `Colorizer`: luminance, tiles, NaN, TTA, provenance, bad input."""

import os

import numpy as np
import pytest
import torch
from astropy.io import fits
from astropy.nddata import NDData
from astropy.utils.exceptions import AstropyDeprecationWarning, AstropyUserWarning
from astropy.visualization import LinearStretch, MinMaxInterval
from astropy.wcs import WCS

from astro_colorgan import Colorizer
from astro_colorgan.colorize import DEFAULT_MODEL, SINGLE_BAND_MODEL, ColorizedImage
from astro_colorgan.colorize._result import PREDICTED_COLOURS_NOTE
from astro_colorgan.colorize._tiling import tile_starts
from astro_colorgan.colorspace import rgb_to_luma


@pytest.fixture(scope="module")
def tiny(tiny_model_path):
    """A colorizer of the tiny test model configured with ``options``."""
    return lambda **options: Colorizer(tiny_model_path, device="cpu", **options)


@pytest.fixture(scope="module")
def colorizer(tiny):
    return tiny(stretch=None)


def _field(ny=150, nx=170, seed=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:ny, :nx]
    img = np.zeros((ny, nx))
    for _ in range(12):
        cy, cx = rng.uniform(0, ny), rng.uniform(0, nx)
        s, a = rng.uniform(2, 15), rng.uniform(0.1, 1)
        img += a * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s**2))
    return np.clip(img / img.max(), 0, 1)


def _wcs(shape):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    w.wcs.cdelt = [-1e-4, 1e-4]
    return w


def test_luminance_kept_exactly(colorizer):
    image = _field()
    result = colorizer.colorize(image)
    assert isinstance(result, ColorizedImage)
    rgb = result.rgb
    assert rgb.shape == image.shape + (3,) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert np.allclose(rgb_to_luma(rgb.astype(np.float64)), image, atol=2e-6)
    # the luminance the model saw, and the chroma that was put under it
    assert result.luminance.shape == image.shape
    assert np.allclose(result.luminance, image, atol=1e-6)
    assert result.chroma.shape == (2,) + image.shape and np.abs(result.chroma).max() > 0
    assert result.uncertainty is None and result.measured is None
    assert result.shape == image.shape and result.wcs is None


def test_stretch_objects_and_auto(tiny):
    raw = 1000 * _field() + 50
    auto = tiny().colorize(raw)
    assert np.isfinite(auto.rgb).all() and auto.rgb.max() <= 1
    # the luminance is the display-scaled data, and the output keeps it
    assert np.allclose(rgb_to_luma(auto.rgb.astype(float)), auto.luminance, atol=2e-6)
    assert not np.allclose(auto.luminance, raw / raw.max(), atol=1e-2)
    linear = tiny(stretch=LinearStretch(), interval=MinMaxInterval()).colorize(raw).rgb
    assert np.allclose(rgb_to_luma(linear.astype(float)), (raw - raw.min()) / np.ptp(raw),
                       atol=1e-5)
    with pytest.warns(AstropyUserWarning, match="outside"):
        tiny(stretch=None).colorize(raw)


@pytest.fixture(scope="module")
def single_band():
    """The single-band model shipped with the package."""
    return Colorizer(SINGLE_BAND_MODEL, device="cpu", stretch=None, tile=512)


def test_tiled_matches_untiled_and_has_no_seams(single_band):
    image = _field(352, 416)
    whole = single_band.colorize(image).rgb
    # small tiles, so that the network never sees the whole image
    tiled = Colorizer(single_band.model, device="cpu", stretch=None, tile=128,
                      overlap=32).colorize(image).rgb
    colour = np.abs(whole - image[..., None]).mean()
    # the model does colour this field (faintly: a field of smooth blobs is far from
    # the photographs it learned from; an output left grey would give 0 here)
    assert colour > 5e-4
    assert np.abs(tiled - whole).mean() < 0.1 * colour
    # the colour (what the model adds to the grey image) jumps no more across the
    # tile borders than the untiled colour does there, nor than inside the tiles
    steps = {name: np.abs(np.diff(rgb - image[..., None], axis=1)).sum(-1)
             for name, rgb in (("tiled", tiled), ("whole", whole))}
    borders = set()
    for x0 in tile_starts(416, 128, 32)[1:]:
        borders.update(range(x0 - 1, x0 + 33))
    border_cols = sorted(borders & set(range(415)))
    inside = [c for c in range(415) if c not in borders]
    assert steps["tiled"][:, border_cols].mean() <= 1.2 * steps["whole"][:, border_cols].mean()
    ratio = {name: step[:, border_cols].mean() / step[:, inside].mean()
             for name, step in steps.items()}
    assert ratio["tiled"] <= 1.2 * ratio["whole"]


def test_nan_and_mask_preserved(colorizer):
    image = _field(64, 64)
    image[10:20, 5:9] = np.nan
    mask = np.zeros(image.shape, bool)
    mask[40:44, 40:50] = True
    with pytest.warns(AstropyUserWarning, match="40 non-finite"):
        result = colorizer.colorize(NDData(image, mask=mask))
    rgb = result.rgb
    assert np.isnan(rgb[10:20, 5:9]).all()
    assert np.isnan(rgb[40:44, 40:50]).all()
    assert np.isfinite(rgb[:10]).all()
    # no data: no luminance and no chroma either
    for plane in (result.luminance, *result.chroma):
        assert np.isnan(plane[10:20, 5:9]).all() and np.isnan(plane[40:44, 40:50]).all()
        assert np.isfinite(plane[:10]).all()


def test_hdu_keeps_wcs_and_says_colours_are_predicted(colorizer, tmp_path):
    image = _field(64, 80)
    wcs = _wcs(image.shape)
    header = wcs.to_header()
    header["OBJECT"] = "test field"
    path = tmp_path / "in.fits"
    fits.PrimaryHDU(image, header=header).writeto(path)
    result = colorizer.colorize(str(path))
    assert result.wcs is not None and result.header["OBJECT"] == "test field"
    hdul = result.to_hdulist()
    assert len(hdul) == 1
    primary = hdul[0]
    assert primary.data.shape == (3, 64, 80) and primary.data.dtype == np.float32
    out_wcs = WCS(primary.header).celestial
    assert np.allclose(out_wcs.pixel_to_world_values(10, 20), wcs.pixel_to_world_values(10, 20))
    history = " ".join(str(h) for h in primary.header["HISTORY"])
    assert f"option model_sha256 = {colorizer.sha256}" in history
    assert "option tile = 1024" in history
    assert PREDICTED_COLOURS_NOTE in history  # wrapped at word boundaries
    assert primary.header["COLORSRC"] == "PREDICTED"
    assert primary.header["OBJECT"] == "test field"
    assert result.names == [result.name]
    assert repr(result).startswith(f"<ColorizedImage shape=(64, 80) names=[{result.name!r}] "
                                   "centre RA/DEC (")


def test_tta_adds_uncertainty_extension(tiny):
    image = _field(48, 64)
    result = tiny(stretch=None, tta=True).colorize((image, _wcs(image.shape)))
    spread = result.uncertainty
    assert spread.shape == image.shape and np.all(spread >= 0) and spread.max() > 0
    hdul = result.to_hdulist()
    assert [h.name for h in hdul] == ["PRIMARY", "CHROMA_SPREAD"]
    assert np.array_equal(hdul["CHROMA_SPREAD"].data, spread)
    assert WCS(hdul["CHROMA_SPREAD"].header).celestial.has_celestial
    assert "option tta = True" in " ".join(str(h) for h in hdul[0].header["HISTORY"])


def test_tta_output_is_symmetric(tiny):
    """With 8-fold averaging, flipping the input flips the output (up to the shared context)."""
    image = _field(48, 48)
    flipped = image[:, ::-1].copy()
    one, eight = tiny(stretch=None), tiny(stretch=None, tta=True)
    plain = np.abs(one.colorize(image).rgb[:, ::-1] - one.colorize(flipped).rgb).mean()
    a = eight.colorize(image).rgb
    b = eight.colorize(flipped).rgb
    assert np.abs(a[:, ::-1] - b).mean() < 0.05 * plain


def test_bad_input(colorizer, tiny_model_path, tmp_path):
    with pytest.raises(ValueError, match="finite"):
        colorizer.colorize(np.full((32, 32), np.nan))
    with pytest.raises(ValueError, match="plane"):
        colorizer.colorize(np.zeros((3, 32, 32)))
    with pytest.raises(FileNotFoundError):
        colorizer.colorize(str(tmp_path / "missing.fits"))


@pytest.mark.parametrize("options, match", [
    ({"tile": 50}, "tile"), ({"tile": 16}, "tile"), ({"overlap": 600}, "overlap"),
    ({"overlap": -1}, "overlap"), ({"margin": -1}, "margin"), ({"context_size": 8}, "context"),
    ({"stretch": 3}, "stretch"), ({"Q": 0}, "Q"), ({"Q": float("nan")}, "Q"),
    ({"subject": "vivid"}, "subject must be one of"),
    ({"subject": "field"}, "knows nothing of survey fields"),
    ({"palette": "vivid"}, "never one of its values"),
    ({"filters": ["g"]}, "at least 2"), ({"filters": ["Ha", "OIII"]}, "not a broadband"),
    ({"filters": ["i", "g"]}, "blue to red"), ({"hedge": -1}, "hedge"),
    ({"hedge": float("inf")}, "hedge")])
def test_bad_options_are_refused_at_construction(tiny_model_path, options, match):
    with pytest.raises(ValueError, match=match):
        Colorizer(tiny_model_path, device="cpu", **options)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu(tiny_model_path):
    with pytest.raises(ValueError, match="CUDA|cuda"):
        Colorizer(tiny_model_path, device="cuda")


def test_a_model_object_is_accepted(colorizer):
    again = Colorizer(colorizer.model, device="cpu", stretch=None)
    image = _field(48, 48)
    assert np.array_equal(again.colorize(image).rgb, colorizer.colorize(image).rgb)
    assert (again.name, again.sha256) == ("custom", None)


def test_single_band_model_colorizes_the_sample(single_band):
    from astro_colorgan.data import get_sample_path

    assert single_band.info["recipe"]["name"] == "default"
    assert single_band.name == "single_band_model.safetensors"
    result = Colorizer(single_band.model, device="cpu").colorize(
        get_sample_path("sample_single"))
    rgb = result.rgb
    assert rgb.shape == (256, 256, 3)
    assert np.allclose(rgb_to_luma(rgb.astype(float)), result.luminance, atol=2e-6)
    # it adds colour: not all pixels grey
    assert np.nanmax(np.ptp(rgb, axis=-1)) > 0.05


def test_pretrained_is_the_default_model():
    colorizer = Colorizer.pretrained(device="cpu", tile=256, tta=False)
    assert colorizer.name == os.path.basename(DEFAULT_MODEL)
    assert (colorizer.tile, colorizer.tta) == (256, False)
    image = 1000 * _field(64, 64) + 50
    result = colorizer.colorize((image, _wcs(image.shape)))
    assert result.rgb.shape == (64, 64, 3) and result.wcs is not None
    assert np.allclose(rgb_to_luma(result.rgb.astype(float)), result.luminance, atol=2e-6)


def test_colorizer_runs_the_network_as_training_does(colorizer):
    """Untiled, the colorizer's shared context and frozen statistics give the
    plain network's output, the one training and validation see (the sky kept
    neutral is the colorizer's own)."""
    from astro_colorgan.colorspace import chroma_to_rgb

    image = _field(64, 80).astype(np.float32)
    rgb = Colorizer(colorizer, stretch=None, neutral_sky=False).colorize(image).rgb
    model = colorizer.model
    x = torch.from_numpy(image)[None, None]
    with torch.no_grad():
        chroma = model.decode(model.generator(x), x)[0].numpy()
    expected = chroma_to_rgb(image, np.moveaxis(chroma, 0, -1))
    assert np.allclose(rgb, expected, atol=2e-5)


def test_subject_sets_the_decoding_of_predicted_colour(tmp_path):
    """A model trained with simulated fields carries the fields' decoding; the
    subject picks it (from the header, or as asked), says so in the provenance,
    and changes predicted colour only."""
    from astro_colorgan.nets import load_model, save_model

    model, info = load_model(SINGLE_BAND_MODEL)
    subjects = {"photograph": {"temperature": model.temperature,
                               "saturation": model.saturation},
                "field": {"temperature": 0.35, "saturation": 2.5}}
    path = tmp_path / "subjects.safetensors"
    save_model(model, path, info=dict(info, subjects=subjects))
    image = 1000 * _field(64, 64) + 50
    photograph = Colorizer(path, device="cpu", neutral_sky=False)
    assert photograph.decodings == subjects
    a = photograph.colorize(image)  # no header: a photograph
    b = photograph.colorize(fits.PrimaryHDU(image, fits.Header({"FILTER": "r"})))
    c = Colorizer(path, device="cpu", subject="field", neutral_sky=False).colorize(image)
    np.testing.assert_allclose(rgb_to_luma(b.rgb.astype(float)), a.luminance, atol=2e-6)
    chroma = [np.abs(r.rgb - r.luminance[..., None]).mean() for r in (a, b)]
    assert chroma[1] > 1.3 * chroma[0]  # the fields' decoding is the more saturated
    assert np.array_equal(b.rgb, c.rgb)  # a non-conditioned model: the decoding only
    history = "\n".join(b.header["HISTORY"])
    assert "option subject = broadband survey field, filter at 623 nm" in history
    assert "FILTER = 'r' names a broadband filter" in history
    assert "option temperature = 0.35" in history
    history = "\n".join(a.header["HISTORY"])
    assert "option subject = deep-sky colour photograph (no broadband filter in" in history
    # the 0.5 spelling still works, with a warning
    with pytest.warns(AstropyDeprecationWarning, match="subject='field'"):
        old = Colorizer(path, device="cpu", palette="fields", neutral_sky=False)
    assert np.array_equal(old.colorize(image).rgb, c.rgb)
