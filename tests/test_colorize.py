"""Tests of `Colorizer`: luminance, tiles, NaN, TTA, provenance, bad input."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import NDData
from astropy.utils.exceptions import AstropyUserWarning
from astropy.visualization import LinearStretch, MinMaxInterval
from astropy.wcs import WCS

from astro_colorgan import Colorizer
from astro_colorgan.colorize import PREDICTED_COLOURS_NOTE, tile_starts
from astro_colorgan.nets import rgb_to_luma


@pytest.fixture(scope="module")
def colorizer(tiny_model_path):
    return Colorizer.from_file(tiny_model_path, device="cpu")


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
    rgb = colorizer.colorize(image, stretch=None)
    assert rgb.shape == image.shape + (3,)
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert np.allclose(rgb_to_luma(rgb.astype(np.float64)), image, atol=2e-6)


def test_stretch_objects_and_auto(colorizer):
    raw = 1000 * _field() + 50
    auto = colorizer.colorize(raw)
    assert np.isfinite(auto).all() and auto.max() <= 1
    linear = colorizer.colorize(raw, stretch=LinearStretch(), interval=MinMaxInterval())
    assert np.allclose(rgb_to_luma(linear.astype(float)), (raw - raw.min()) / np.ptp(raw),
                       atol=1e-5)
    with pytest.warns(AstropyUserWarning, match="outside"):
        colorizer.colorize(raw, stretch=None)


@pytest.fixture(scope="module")
def shipped():
    return Colorizer.pretrained(device="cpu")


def test_tiled_matches_untiled_and_has_no_seams(shipped):
    colorizer = shipped
    image = _field(352, 416)
    whole = colorizer.colorize(image, stretch=None, tile=512)
    # small tiles, so that the network never sees the whole image
    tiled = colorizer.colorize(image, stretch=None, tile=128, overlap=32)
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
    with pytest.warns(AstropyUserWarning):
        rgb = colorizer.colorize(NDData(image, mask=mask), stretch=None)
    assert np.isnan(rgb[10:20, 5:9]).all()
    assert np.isnan(rgb[40:44, 40:50]).all()
    assert np.isfinite(rgb[:10]).all()


def test_hdu_keeps_wcs_and_says_colours_are_predicted(colorizer, tmp_path):
    image = _field(64, 80)
    wcs = _wcs(image.shape)
    header = wcs.to_header()
    header["OBJECT"] = "test field"
    path = tmp_path / "in.fits"
    fits.PrimaryHDU(image, header=header).writeto(path)
    hdul = colorizer.colorize_hdu(str(path), stretch=None)
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


def test_tta_adds_uncertainty_extension(colorizer):
    image = _field(48, 64)
    hdul = colorizer.colorize_hdu((image, _wcs(image.shape)), stretch=None, tta=True)
    assert [h.name for h in hdul] == ["PRIMARY", "CHROMA_SPREAD"]
    spread = hdul["CHROMA_SPREAD"].data
    assert spread.shape == image.shape and np.all(spread >= 0) and spread.max() > 0
    # a single pass has no spread extension
    assert len(colorizer.colorize_hdu(image, stretch=None)) == 1


def test_tta_output_is_symmetric(colorizer):
    """With 8-fold averaging, flipping the input flips the output (up to the shared context)."""
    image = _field(48, 48)
    flipped = image[:, ::-1].copy()
    plain = np.abs(colorizer.colorize(image, stretch=None)[:, ::-1]
                   - colorizer.colorize(flipped, stretch=None)).mean()
    a = colorizer.colorize(image, stretch=None, tta=True)
    b = colorizer.colorize(flipped, stretch=None, tta=True)
    assert np.abs(a[:, ::-1] - b).mean() < 0.05 * plain


def test_bad_input(colorizer, tmp_path):
    with pytest.raises(ValueError, match="finite"):
        colorizer.colorize(np.full((32, 32), np.nan), stretch=None)
    with pytest.raises(ValueError, match="plane"):
        colorizer.colorize(np.zeros((3, 32, 32)), stretch=None)
    with pytest.raises(FileNotFoundError):
        colorizer.colorize(str(tmp_path / "missing.fits"))
    with pytest.raises(ValueError, match="tile"):
        colorizer.colorize(_field(32, 32), tile=50)
    with pytest.raises(TypeError, match="stretch"):
        colorizer.colorize(_field(32, 32), stretch=3)
    with pytest.raises(ValueError, match="CUDA|cuda"):
        Colorizer.from_file(colorizer_path(colorizer, tmp_path), device="cuda") \
            if not _has_cuda() else (_ for _ in ()).throw(ValueError("cuda present"))


def colorizer_path(colorizer, tmp_path):
    from astro_colorgan.nets import save_model

    path = tmp_path / "m.safetensors"
    save_model(colorizer.model, path)
    return path


def _has_cuda():
    import torch

    return torch.cuda.is_available()


def test_pretrained_model_colorizes_the_sample(shipped):
    from astro_colorgan.data import get_sample_path

    colorizer = shipped
    assert colorizer.info["recipe"]["name"] == "default"
    result = colorizer.predict(get_sample_path("sample_single"))
    rgb = result["rgb"]
    assert rgb.shape == (256, 256, 3)
    assert np.allclose(rgb_to_luma(rgb.astype(float)), result["luma"], atol=2e-6)
    # it adds colour: not all pixels grey
    assert np.nanmax(np.ptp(rgb, axis=-1)) > 0.05


def test_colorizer_runs_the_network_as_training_does(colorizer):
    """Untiled, the colorizer's shared context and frozen statistics give the
    plain network's output, the one training and validation see."""
    import torch

    from astro_colorgan.nets import chroma_to_rgb

    image = _field(64, 80).astype(np.float32)
    rgb = colorizer.colorize(image, stretch=None)
    model = colorizer.model
    x = torch.from_numpy(image)[None, None]
    with torch.no_grad():
        chroma = model.decode(model.generator(x), x)[0].numpy()
    expected = chroma_to_rgb(image, np.moveaxis(chroma, 0, -1))
    assert np.allclose(rgb, expected, atol=2e-5)
