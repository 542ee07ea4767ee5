"""Tests of guided colour: colour frames fused with the deep frame, displayed as stack does."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from astro_colorgan import Colorizer, stack
from astro_colorgan.cli.main import main
from astro_colorgan.colorspace import rgb_to_luma
from astro_colorgan.fusion import DetailNet
from astro_colorgan.io import block_average, read_image

# the colour frames of these tests are too small for a background mesh
small_frames = pytest.mark.filterwarnings("ignore:image too small or crowded")


def _wcs(shape, scale=1e-4):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [shape[1] / 2 + 0.5, shape[0] / 2 + 0.5]
    w.wcs.cd = [[-scale, 0], [0, scale]]
    return w


def _scene(n=64, peak=1.0):
    """A red core in a blue halo on a faint sky: (3, n, n) linear R, G, B."""
    y, x = np.mgrid[:n, :n]
    r2 = (x - n / 2) ** 2 + (y - n / 2) ** 2
    core = peak * np.exp(-r2 / (2 * (n / 12) ** 2))
    halo = 0.4 * np.exp(-r2 / (2 * (n / 4) ** 2))
    return np.stack([core + 0.2 * halo, 0.5 * core + 0.5 * halo, 0.2 * core + halo]) + 0.01


def _frames(scene, wcs, factor):
    """Colour frames (blue to red) ``factor`` times coarser, with the WCS of their blocks."""
    return [block_average(plane, factor, wcs=wcs) for plane in scene[::-1]]


def _colorizer(**options):
    return Colorizer(device="cpu", **options)


@small_frames
def test_colour_frames_are_fused_and_the_output_says_so(tmp_path):
    scene = _scene()
    wcs = _wcs((64, 64))
    result = _colorizer().colorize((scene[1], wcs), colour=_frames(scene, wcs, 4))
    assert result.measured.shape == (64, 64) and result.measured.min() == 1
    assert result.bands.shape == (3, 64, 64) and result.uncertainty is None
    hdul = result.to_hdulist()
    assert [hdu.name for hdu in hdul] == ["PRIMARY", "MEASURED", "BANDS"]
    header = hdul[0].header
    assert header["COLORSRC"] == "FUSED" and header["COLORMSR"] == "R, G, B"
    history = " ".join(header["HISTORY"])
    assert "COLOUR MEASURED by" in history and "chi2/pixel" in history
    assert "pixels 4 times the deep frame's" in history
    assert np.allclose(hdul["BANDS"].data, result.bands, equal_nan=True)
    assert WCS(hdul["BANDS"].header).celestial.wcs.compare(wcs.wcs, tolerance=1e-9)
    result.write_fits(tmp_path / "out.fits")
    with pytest.raises(FileExistsError):
        result.write_fits(tmp_path / "out.fits")


@small_frames
def test_a_saturated_core_keeps_its_measured_hue():
    """The core is far above the display's white point: Lupton's scaling keeps it red."""
    scene = _scene(peak=200.0)
    wcs = _wcs((64, 64))
    result = _colorizer().colorize((scene[1], wcs), colour=_frames(scene, wcs, 4))
    core = result.rgb[32, 32]
    assert rgb_to_luma(core) > 0.3
    assert core[0] == pytest.approx(1.0, abs=1e-3) and core[2] < 0.5 * core[0]
    truth = stack([(plane, wcs) for plane in scene[::-1]]).rgb[32, 32]
    assert np.allclose(core, truth, atol=0.1)


@small_frames
def test_an_untrained_fusion_network_gives_the_classical_fusion():
    scene = _scene()
    wcs = _wcs((64, 64))
    frames = _frames(scene, wcs, 4)
    classical = _colorizer(fusion=False, stretch=None).colorize(
        (scene[1] / 2, wcs), colour=[(np.clip(f / 2, 0, 1), w) for f, w in frames])
    untrained = _colorizer(fusion=DetailNet(width=8), stretch=None).colorize(
        (scene[1] / 2, wcs), colour=[(np.clip(f / 2, 0, 1), w) for f, w in frames])
    assert np.array_equal(classical.rgb, untrained.rgb, equal_nan=True)


def test_display_ready_frames_keep_the_luminance():
    scene = np.clip(_scene() / 1.5, 0, 1)
    luma = rgb_to_luma(scene, axis=0)
    coarse = np.stack([block_average(p, 4)[0] for p in scene])  # (3, 16, 16) R, G, B
    result = _colorizer(stretch=None).colorize(luma, colour=coarse)
    assert result.bands is None and result.measured.min() == 1
    assert np.allclose(rgb_to_luma(result.rgb), luma, atol=2e-3)
    # the same colour on the image's grid, as an (ny, nx, 3) array
    same = _colorizer(stretch=None).colorize(luma, colour=np.moveaxis(scene, 0, -1))
    # reproduced to within the frames' noise (8-bit rounding)
    assert np.abs(same.rgb - np.moveaxis(scene, 0, -1)).mean() < 1.5 / 255


@small_frames
def test_colour_is_refused_or_warned_about_when_it_cannot_be_placed():
    scene = _scene()
    wcs = _wcs((64, 64))
    far = wcs.deepcopy()
    far.wcs.crval = [10.0, -40.0]
    colorizer = _colorizer()
    with pytest.raises(ValueError, match="do not overlap"):
        colorizer.colorize((scene[1], wcs), colour=[(plane, far) for plane in scene[::-1]])
    with pytest.raises(ValueError, match="must lie in"):
        colorizer.colorize((scene[1], wcs), colour=np.full((64, 64, 3), 2.0))
    with pytest.raises(ValueError, match="colour must be"):
        colorizer.colorize((scene[1], wcs), colour=[scene[0]])
    # block-averaged data left with the full-size WCS
    unscaled = [(block_average(plane, 4)[0], wcs) for plane in scene[::-1]]
    with pytest.raises(ValueError, match="give it the WCS of its blocks"):
        colorizer.colorize((scene[1], wcs), colour=unscaled)


def test_complete_keeps_the_measured_filters():
    scene = _scene()
    wcs = _wcs((64, 64))
    filters = [(scene[2], wcs), (scene[0], wcs)]
    plain = stack(filters)
    colorizer = _colorizer()
    completed = colorizer.complete(plain)
    assert type(completed) is type(plain) and completed.wcs is plain.wcs
    assert np.array_equal(completed.rgb[..., [0, 2]], plain.rgb[..., [0, 2]], equal_nan=True)
    assert completed.history[:-1] == plain.history
    assert "channel G PREDICTED" in completed.history[-1]
    assert colorizer.fusion_name in completed.history[-1]
    assert colorizer.fusion_sha256 in completed.history[-1]
    green = colorizer.complete(plain.rgb)[..., 1]
    assert np.array_equal(green, completed.rgb[..., 1], equal_nan=True)
    # an untrained network gives the mean green (stack's own rule, where no channel clips)
    mean = _colorizer(fusion=DetailNet(width=8)).complete(plain)
    positive = (plain.rgb > 0).all(-1)
    assert np.allclose(mean.rgb[positive], plain.rgb[positive], atol=1e-6)
    with pytest.raises(ValueError, match="third filter of two"):
        colorizer.complete(stack(filters + [(scene[1], wcs)]))


@small_frames
def test_cli_colour_frames_and_completion(tmp_path, capsys):
    scene = _scene()
    wcs = _wcs((64, 64))
    deep = tmp_path / "deep.fits"
    fits.PrimaryHDU(scene[1], header=wcs.to_header()).writeto(deep)
    names = []
    for band, (data, frame_wcs) in zip("gri", _frames(scene, wcs, 4)):
        names.append(str(tmp_path / f"{band}.fits"))
        fits.PrimaryHDU(data, header=frame_wcs.to_header()).writeto(names[-1])
    out = tmp_path / "out.fits"
    assert main(["colorize", str(deep), "--colour", *names, "-o", str(out),
                 "--device", "cpu"]) == 0
    with fits.open(out) as hdul:
        assert hdul[0].data.shape == (3, 64, 64) and "MEASURED" in hdul and "BANDS" in hdul
        assert "g.fits" in " ".join(hdul[0].header["HISTORY"])
    both = tmp_path / "both.fits"
    assert main(["stack", names[0], names[2], "--complete", "-o", str(both)]) == 0
    assert "PREDICTED" in " ".join(fits.getheader(both)["HISTORY"])
    assert main(["stack", *names, "--complete", "-o", str(tmp_path / "x.fits")]) == 2
    assert not (tmp_path / "x.fits").exists()


@small_frames
def test_a_composite_is_display_ready_colour_on_its_own_grid():
    scene = _scene()
    wcs = _wcs((64, 64))
    luminance = read_image((scene[1], wcs))
    coarse = stack(_frames(scene, wcs, 4))  # on its own grid, 4 times coarser
    result = _colorizer().colorize(luminance, colour=coarse)
    assert result.bands is None  # display-ready colour has no linear bands
    assert result.measured.mean() > 0.8
    assert any(coarse.names[0] in line for line in result.history)


def test_a_composite_as_data_gives_its_luma():
    scene = _scene()
    composite = stack([(plane, _wcs((64, 64))) for plane in scene[::-1]])
    result = _colorizer().colorize(composite)  # stretch 'auto'
    assert result.wcs is composite.wcs and result.name.startswith("luma of ")
    assert np.allclose(rgb_to_luma(result.rgb), rgb_to_luma(composite.rgb), atol=1e-5,
                       equal_nan=True)
    assert "option stretch = None" in result.history
    with pytest.raises(ValueError, match="used whole"):
        _colorizer().colorize(composite, plane=0)
