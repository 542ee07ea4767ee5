"""Tests of colorizing FITS files band by band (`Colorizer.colorize_file`)."""

import tracemalloc

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS

from astro_colorgan import Colorizer
from astro_colorgan.io import open_image_rows
from astro_colorgan.io._fitsout import fits_cube_writer, rgb_cube_header


@pytest.fixture(scope="module")
def tiny(tiny_model_path):
    """A colorizer of the tiny test model configured with ``options``."""
    return lambda **options: Colorizer(tiny_model_path, device="cpu", **options)


@pytest.fixture(scope="module")
def colorizer(tiny):
    return tiny()


def _sky(ny, nx, seed=1):
    """Raw counts: sky, noise and a few extended sources."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:ny, :nx]
    image = 100 + rng.normal(0, 3, (ny, nx))
    for _ in range(6):
        cy, cx, s = rng.uniform(0, ny), rng.uniform(0, nx), rng.uniform(5, 40)
        image += rng.uniform(50, 500) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s**2))
    return image.astype(np.float32)


def _write_input(path, image, **keywords):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [10.0, -30.0]
    wcs.wcs.crpix = [image.shape[1] / 2, image.shape[0] / 2]
    wcs.wcs.cdelt = [-2e-4, 2e-4]
    header = wcs.to_header()
    header.update(keywords)
    fits.PrimaryHDU(image, header=header).writeto(path)
    return wcs


@pytest.mark.parametrize("context_size", [256, 64])
def test_band_by_band_equals_in_memory(tiny, tmp_path, monkeypatch, context_size):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    image = _sky(300, 260)
    image[40:60, 100:130] = np.nan
    path = tmp_path / "in.fits"
    _write_input(path, image, OBJECT="field")
    colorizer = tiny(tile=128, overlap=32, context_size=context_size)
    out = tmp_path / "band.fits"
    with pytest.warns(AstropyUserWarning, match="600 non-finite"):
        assert colorizer.colorize_file(str(path), out) == str(out)
    with pytest.warns(AstropyUserWarning, match="600 non-finite"):
        result = colorizer.colorize(str(path))
    with fits.open(out) as banded:
        data = banded[0].data
        assert data.shape == (3, 300, 260) and data.dtype.kind == "f"
        # the same numbers as the in-memory path, NaN where the input is NaN
        assert np.array_equal(np.moveaxis(data, 0, -1), result.rgb, equal_nan=True)
        assert np.isnan(data[:, 40:60, 100:130]).all()
        # and the same file as colorize + write_fits, byte for byte
        result.write_fits(tmp_path / "memory.fits")
        assert out.read_bytes() == (tmp_path / "memory.fits").read_bytes()
        assert banded[0].header["COLORSRC"] == "PREDICTED"
        assert banded[0].header["OBJECT"] == "field"


def test_memory_follows_the_width_not_the_height(colorizer, tmp_path, monkeypatch):
    """Peak memory of numpy buffers for an image 4 times taller stays the same."""
    # the display limits come from a sample of at most this many pixels: shrunk
    # here so that both images are past it, as large images are in practice
    monkeypatch.setattr("astro_colorgan.colorize._scaling.LIMIT_SAMPLE_PIXELS", 2 ** 14)
    colorizer = Colorizer(colorizer.model, device="cpu", tile=128, overlap=16)
    peaks = {}
    for height in (1200, 4800):
        path = tmp_path / f"in{height}.fits"
        fits.PrimaryHDU(_sky(height, 160, seed=height)).writeto(path)
        tracemalloc.start()
        colorizer.colorize_file(str(path), tmp_path / f"out{height}.fits")
        peaks[height] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[4800] < 1.25 * peaks[1200]
    # below the size of the input (3 MB), let alone the output (9 MB), that the
    # in-memory path holds several times over
    assert peaks[4800] < 4800 * 160 * 4
    with fits.open(tmp_path / "out4800.fits") as hdul:
        assert np.isfinite(hdul[0].data).all()


def test_tta_and_arrays_go_through_memory(colorizer, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    image = _sky(64, 64)
    path = tmp_path / "in.fits"
    _write_input(path, image)
    eight = tiny(tta=True)
    eight.colorize_file(str(path), tmp_path / "tta.fits")
    with fits.open(tmp_path / "tta.fits") as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "CHROMA_SPREAD"]
    eight.colorize(str(path)).write_fits(tmp_path / "tta-memory.fits")
    assert (tmp_path / "tta.fits").read_bytes() == (tmp_path / "tta-memory.fits").read_bytes()
    colorizer.colorize_file(image, tmp_path / "array.fits")
    assert fits.getdata(tmp_path / "array.fits").shape == (3, 64, 64)
    colorizer.colorize(image).write_fits(tmp_path / "array-memory.fits")
    assert (tmp_path / "array.fits").read_bytes() == (tmp_path / "array-memory.fits").read_bytes()


def test_colour_goes_through_memory(tiny_guided_model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    image = _sky(64, 64)
    path = tmp_path / "in.fits"
    _write_input(path, image)
    colour = np.zeros((64, 64, 3), np.float32)
    colour[..., 0], colour[..., 2] = 0.6, 0.2  # measured: red, on the luminance's grid
    guided = Colorizer(tiny_guided_model_path, device="cpu")
    guided.colorize_file(str(path), tmp_path / "file.fits", colour=colour)
    guided.colorize(str(path), colour=colour).write_fits(tmp_path / "memory.fits")
    assert (tmp_path / "file.fits").read_bytes() == (tmp_path / "memory.fits").read_bytes()
    with fits.open(tmp_path / "file.fits") as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "MEASURED"]
        assert hdul[0].header["COLORSRC"] == "FUSED"
        assert np.allclose(hdul["MEASURED"].data, 1)
    # and without colour the guided model streams the file like any other
    guided.colorize_file(str(path), tmp_path / "plain.fits")
    guided.colorize(str(path)).write_fits(tmp_path / "plain-memory.fits")
    assert (tmp_path / "plain.fits").read_bytes() == (tmp_path / "plain-memory.fits").read_bytes()


def test_planes_hdus_and_bad_input(colorizer, tmp_path):
    cube = np.stack([_sky(64, 64, seed=s) for s in range(3)])
    path = tmp_path / "cube.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(cube, name="SCI")]).writeto(path)
    colorizer.colorize_file(f"{path}[SCI]", tmp_path / "p1.fits", plane=1)
    expected = colorizer.colorize(cube[1]).rgb
    assert np.array_equal(np.moveaxis(fits.getdata(tmp_path / "p1.fits"), 0, -1), expected)
    with pytest.raises(ValueError, match="choose a plane"):
        colorizer.colorize_file(str(path), tmp_path / "x.fits", hdu="SCI")
    with pytest.raises(ValueError, match="out of range"):
        colorizer.colorize_file(str(path), tmp_path / "x.fits", hdu=1, plane=3)
    with pytest.raises(FileExistsError):
        colorizer.colorize_file(f"{path}[1]", tmp_path / "p1.fits", plane=0)
    nan = tmp_path / "nan.fits"
    fits.PrimaryHDU(np.full((32, 32), np.nan, np.float32)).writeto(nan)
    with pytest.raises(ValueError, match="no valid pixel"):
        colorizer.colorize_file(str(nan), tmp_path / "x.fits")
    with pytest.raises(FileNotFoundError):
        colorizer.colorize_file(str(tmp_path / "missing.fits"), tmp_path / "x.fits")
    assert not (tmp_path / "x.fits").exists()
    assert not list(tmp_path.glob(".tmp-*"))


def test_failure_midway_leaves_nothing(colorizer, tmp_path, monkeypatch):
    path = tmp_path / "in.fits"
    fits.PrimaryHDU(_sky(200, 64)).writeto(path)
    import astro_colorgan.colorize._pipeline as module

    colorizer = Colorizer(colorizer.model, device="cpu", tile=64, overlap=16)
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)

    real = module.recompose
    monkeypatch.setattr(module, "recompose", failing)
    with pytest.raises(OSError, match="disk full"):
        colorizer.colorize_file(str(path), tmp_path / "out.fits")
    assert len(calls) == 2  # it failed after a first band had been written
    assert list(tmp_path.iterdir()) == [path]


def test_cube_writer_and_row_reader(tmp_path):
    header = rgb_cube_header((5, 4), history=["made by a test"])
    target = tmp_path / "cube.fits"
    with fits_cube_writer(target, header) as writer:
        writer.write_rows(3, np.full((3, 2, 4), 2.0))
        writer.write_rows(0, np.arange(36, dtype=float).reshape(3, 3, 4))
        with pytest.raises(ValueError, match="fall outside"):
            writer.write_rows(4, np.zeros((3, 2, 4)))
    data = fits.getdata(target)
    assert np.array_equal(data[:, :3], np.arange(36).reshape(3, 3, 4))
    assert (data[:, 3:] == 2).all()
    with pytest.raises(FileExistsError):
        with fits_cube_writer(target, header):
            pass
    with open_image_rows(f"{target}[0]", plane=2) as rows:
        assert rows.shape == (5, 4) and rows.wcs is None
        assert np.array_equal(rows.read(1, 3), data[2, 1:3])
