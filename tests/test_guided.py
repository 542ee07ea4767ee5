"""Tests of the guided colorizer: measured colour as hints, alignment, provenance, completion."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import block_reduce
from astropy.wcs import WCS

from astro_colorgan import Colorizer, stack
from astro_colorgan.cli.main import main
from astro_colorgan.colorize import MeasuredColour, measured_colour
from astro_colorgan.colorize._hints import colour_hints
from astro_colorgan.io import read_image
from astro_colorgan.colorspace import rgb_to_chroma, rgb_to_luma
from astro_colorgan.nets._generator import HINT_CHANNELS

# the colour frames of these tests are too small for a background mesh
small_frames = pytest.mark.filterwarnings("ignore:image too small or crowded")


@pytest.fixture(scope="module")
def guided_path(tmp_path_factory):
    """A small untrained guided model."""
    import torch

    from astro_colorgan.nets import ColorModel, save_model

    torch.manual_seed(1)
    grid = np.linspace(-1, 1, 5, dtype=np.float32)
    centres = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    model = ColorModel(width=8, bin_centres=centres, bin_weights=np.ones(len(centres)),
                       hints=True)
    path = tmp_path_factory.mktemp("guided") / "guided.safetensors"
    save_model(model, path)
    return path


def _wcs(shape, scale=1e-4):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [shape[1] / 2 + 0.5, shape[0] / 2 + 0.5]
    w.wcs.cdelt = [-scale, scale]
    return w


def _scene(n=64):
    """A red core in a blue halo on a faint sky: (3, n, n) linear R, G, B."""
    y, x = np.mgrid[:n, :n]
    r2 = (x - n / 2) ** 2 + (y - n / 2) ** 2
    core = np.exp(-r2 / (2 * (n / 12) ** 2))
    halo = 0.4 * np.exp(-r2 / (2 * (n / 4) ** 2))
    return np.stack([core + 0.2 * halo, 0.5 * core + 0.5 * halo, 0.2 * core + halo]) + 0.01


def _frames(scene, wcs, factor):
    """Colour frames (blue to red) ``factor`` times coarser, with their WCS."""
    return [(block_reduce(plane, factor, func=np.mean), wcs[::factor, ::factor])
            for plane in scene[::-1]]


def test_hint_planes_hold_relative_chroma_weight_and_mode():
    colour = np.broadcast_to(np.array([0.6, 0.3, 0.1], np.float32)[:, None, None], (3, 4, 5))
    weight = np.ones((4, 5), np.float32)
    weight[0] = 0
    planes = colour_hints(colour, weight, coarseness=8, two_band=True)
    assert planes.shape == (len(HINT_CHANNELS), 4, 5)
    expected = rgb_to_chroma(colour[:, 1, 1]) / (rgb_to_luma(colour[:, 1, 1]) + 0.02)
    assert np.allclose(planes[:2, 1, 1], expected, atol=1e-5)
    assert np.all(planes[:, 0] == 0)  # nothing measured: all planes empty
    assert np.allclose(planes[2:, 1:], np.array([1, 3 / 5, 1])[:, None, None])


@small_frames
def test_colour_frames_are_aligned_onto_the_luminance_grid():
    scene = _scene()
    wcs = _wcs((64, 64))
    luminance = read_image((rgb_to_luma(scene, axis=0), wcs))
    measured = measured_colour(_frames(scene, wcs, 4), luminance)
    assert measured.rgb.shape == (3, 64, 64)
    assert measured.coarseness == pytest.approx(4, rel=1e-6)
    assert not measured.two_band and measured.channels == "R, G, B"
    assert measured.weight.mean() > 0.9  # the frames cover the field
    # the red core and blue halo are where they are on the luminance's grid
    core, halo = measured.rgb[:, 32, 32], measured.rgb[:, 32, 12]
    assert core[0] > core[2] and halo[2] > halo[0]


@small_frames
def test_colour_is_refused_when_it_cannot_be_placed(guided_path):
    scene = _scene()
    wcs = _wcs((64, 64))
    luminance = read_image((rgb_to_luma(scene, axis=0), wcs))
    far = wcs.deepcopy()
    far.wcs.crval = [10.0, -40.0]
    with pytest.raises(ValueError, match="overlap"):
        measured_colour([(plane, far) for plane in scene[::-1]], luminance)
    with pytest.raises(ValueError, match="no celestial WCS and another shape"):
        measured_colour([plane[:32, :32] for plane in scene[::-1]], luminance)
    with pytest.raises(ValueError, match="must lie in"):
        measured_colour(np.full((64, 64, 3), 2.0), luminance)
    with pytest.raises(ValueError, match="colour must be"):
        measured_colour([scene[0]], luminance)
    single = Colorizer(None, device="cpu")
    if not single.model.hints:
        with pytest.raises(ValueError, match="takes no measured colour"):
            single.colorize((scene[0], wcs), colour=np.zeros((64, 64, 3)))


@small_frames
def test_provenance_says_what_was_measured(guided_path, tmp_path):
    scene = _scene()
    wcs = _wcs((64, 64))
    colorizer = Colorizer(guided_path, device="cpu", tta=True)
    result = colorizer.colorize((rgb_to_luma(scene, axis=0), wcs),
                                colour=_frames(scene, wcs, 4))
    assert result.measured.shape == (64, 64) and result.uncertainty.shape == (64, 64)
    hdul = result.to_hdulist()
    assert [hdu.name for hdu in hdul] == ["PRIMARY", "CHROMA_SPREAD", "MEASURED"]
    header = hdul[0].header
    assert header["COLORSRC"] == "MIXED" and header["COLORMSR"] == "R, G, B"
    history = " ".join(header["HISTORY"])
    assert "COLOUR MEASURED in channels R, G, B" in history and "PREDICTED" in history
    assert np.allclose(hdul["MEASURED"].data, result.measured)
    assert WCS(hdul["MEASURED"].header).celestial.wcs.compare(wcs.wcs, tolerance=1e-9)
    result.write_fits(tmp_path / "out.fits")
    with pytest.raises(FileExistsError):
        result.write_fits(tmp_path / "out.fits")


def test_luminance_is_kept_with_colour(guided_path):
    scene = _scene()
    luma = np.clip(rgb_to_luma(scene, axis=0), 0, 1)
    colour = np.clip(np.moveaxis(scene, 0, -1), 0, 1)
    result = Colorizer(guided_path, device="cpu", stretch=None).colorize(luma, colour=colour)
    assert np.allclose(rgb_to_luma(result.rgb), luma, atol=1e-5)


def test_the_shipped_model_reproduces_colour_given_at_full_resolution():
    """Given the true colour on the luminance's grid, the model keeps it."""
    colorizer = Colorizer(None, device="cpu", stretch=None)
    if not colorizer.model.hints:
        pytest.skip("the shipped model is not a guided one")
    scene = _scene(96)
    truth = np.clip(np.moveaxis(scene / scene.max(), 0, -1), 0, 1) ** 0.5
    luma = rgb_to_luma(truth)
    measured = MeasuredColour(np.ascontiguousarray(np.moveaxis(truth, -1, 0)),
                              np.ones(luma.shape, np.float32))
    out = colorizer.colorize(luma, colour=measured).rgb
    grey = np.repeat(luma[..., None], 3, -1)
    bright = luma > 0.1
    error = np.abs(out - truth)[bright].mean()
    assert error < 0.25 * np.abs(grey - truth)[bright].mean()


def test_complete_keeps_the_measured_filters(guided_path):
    scene = _scene()
    wcs = _wcs((64, 64))
    filters = [(scene[2], wcs), (scene[0], wcs)]
    plain = stack(filters)
    colorizer = Colorizer(guided_path, device="cpu")
    completed = colorizer.complete(plain)
    assert type(completed) is type(plain) and completed.wcs is plain.wcs
    assert np.array_equal(completed.rgb[..., [0, 2]], plain.rgb[..., [0, 2]], equal_nan=True)
    assert not np.allclose(completed.rgb[..., 1], plain.rgb[..., 1], equal_nan=True)
    assert completed.history[:-1] == plain.history
    assert "channel G PREDICTED" in completed.history[-1]
    assert guided_path.name in completed.history[-1]
    assert colorizer.sha256 in completed.history[-1]
    # an array gives an array, with the same green
    green = colorizer.complete(plain.rgb)[..., 1]
    assert np.array_equal(green, completed.rgb[..., 1], equal_nan=True)
    with pytest.raises(ValueError, match="third filter of two"):
        colorizer.complete(stack(filters + [(scene[1], wcs)]))


@small_frames
def test_cli_colour_frames_and_completion(guided_path, tmp_path, capsys):
    scene = _scene()
    wcs = _wcs((64, 64))
    deep = tmp_path / "deep.fits"
    fits.PrimaryHDU(rgb_to_luma(scene, axis=0), header=wcs.to_header()).writeto(deep)
    names = []
    for band, (data, frame_wcs) in zip("gri", _frames(scene, wcs, 4)):
        names.append(str(tmp_path / f"{band}.fits"))
        fits.PrimaryHDU(data, header=frame_wcs.to_header()).writeto(names[-1])
    out = tmp_path / "out.fits"
    model = ["--model", str(guided_path), "--device", "cpu"]
    assert main(["colorize", str(deep), "--colour", *names, "-o", str(out), *model]) == 0
    with fits.open(out) as hdul:
        assert hdul[0].data.shape == (3, 64, 64) and "MEASURED" in hdul
        assert any(names[0] in line for line in hdul[0].header["HISTORY"]) or \
            "g.fits" in " ".join(hdul[0].header["HISTORY"])
    assert main(["colorize", str(deep), "-o", str(tmp_path / "o.png"), *model]) == 2
    assert "--png" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()
    both = tmp_path / "both.fits"
    assert main(["stack", names[0], names[2], "--complete", "-o", str(both), *model]) == 0
    assert "PREDICTED" in " ".join(fits.getheader(both)["HISTORY"])
    assert main(["stack", *names, "--complete", "-o", str(tmp_path / "x.fits")]) == 2
    assert not (tmp_path / "x.fits").exists()


@small_frames
def test_a_composite_is_measured_colour_on_its_own_grid(guided_path):
    scene = _scene()
    wcs = _wcs((64, 64))
    luma = rgb_to_luma(scene, axis=0)
    luminance = read_image((luma, wcs))
    coarse = stack(_frames(scene, wcs, 4))  # on its own grid, 4 times coarser
    measured = measured_colour(coarse, luminance)
    assert measured.rgb.shape == (3, 64, 64) and measured.names == coarse.names
    assert measured.coarseness == pytest.approx(4, rel=1e-6) and not measured.two_band
    assert measured.weight.mean() > 0.8 and 0 <= measured.rgb.min() <= measured.rgb.max() <= 1
    # on the luminance's grid it is taken as it is, not stretched again
    fine = stack([(plane, wcs) for plane in scene[::-1]])
    same = measured_colour(fine, luminance)
    covered = same.weight > 0
    assert np.array_equal(np.moveaxis(same.rgb, 0, -1)[covered], fine.rgb[covered])
    result = Colorizer(guided_path, device="cpu").colorize(luminance, colour=coarse)
    assert "MEASURED" in result.to_hdulist()
    assert any(coarse.names[0] in line for line in result.history)
    with pytest.raises(ValueError, match="no celestial WCS"):
        measured_colour(stack([plane for plane in scene[::-1, :32]], allow_no_wcs=True),
                        luminance)


def test_a_composite_as_data_gives_its_luma(guided_path):
    scene = _scene()
    composite = stack([(plane, _wcs((64, 64))) for plane in scene[::-1]])
    result = Colorizer(guided_path, device="cpu").colorize(composite)  # stretch 'auto'
    assert result.wcs is composite.wcs and result.name.startswith("luma of ")
    assert np.allclose(rgb_to_luma(result.rgb), rgb_to_luma(composite.rgb), atol=1e-5,
                       equal_nan=True)
    assert "option stretch = None" in result.history
    with pytest.raises(ValueError, match="used whole"):
        Colorizer(guided_path, device="cpu").colorize(composite, plane=0)
