"""Tests of ``astro-colorize stack``."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from astro_colorgan.cli.main import main

from _stack_fields import three_filter_field


@pytest.fixture(scope="module")
def cli_filter_files(tmp_path_factory):
    """Three small filter files of one star field on different grids (blue to red)."""
    folder = tmp_path_factory.mktemp("cli_filters")
    filters, _ = three_filter_field(sky=(1.0, 2.0, 3.0))
    paths = []
    for band, (data, wcs) in zip("gri", filters):
        header = wcs.to_header()
        header["FILTER"] = band
        path = folder / f"field_{band}.fits"
        fits.writeto(path, data, header=header)
        paths.append(str(path))
    return paths


def _run(capsys, *args):
    status = main(["stack", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_stack_writes_fits_and_png(cli_filter_files, tmp_path, capsys):
    from pyavm import AVM

    out, png = tmp_path / "rgb.fits", tmp_path / "rgb.png"
    status, stdout, stderr = _run(capsys, *cli_filter_files, "-o", out, "--png", png,
                                  "--Q", "6", "--weights", "1,0.9,1.2")
    assert status == 0, stderr
    assert "wrote" in stdout and "reprojecting field_r.fits[0]" in stdout
    with fits.open(out) as hdulist:
        cube, header = hdulist[0].data, hdulist[0].header
    assert cube.ndim == 3 and cube.shape[0] == 3
    history = list(header["HISTORY"])
    assert "input 1: field_g.fits[0]" in history and "input 3: field_i.fits[0]" in history
    assert "option Q = 6" in history and "option weights = [1, 0.9, 1.2]" in history
    assert WCS(header).celestial.has_celestial
    avm = AVM.from_image(str(png))
    assert list(avm.Spatial.ReferenceDimension) == [cube.shape[2], cube.shape[1]]
    assert sorted(os.listdir(tmp_path)) == ["rgb.fits", "rgb.png"]


def test_stack_overwrite_replaces(cli_filter_files, tmp_path, capsys):
    out = tmp_path / "rgb.png"
    out.write_bytes(b"old")
    status, _, stderr = _run(capsys, *cli_filter_files, "-o", out, "--overwrite")
    assert status == 0, stderr
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_stack_hdu_and_reference_options(cli_filter_files, tmp_path, capsys):
    multi = []
    for path in cli_filter_files:
        with fits.open(path) as hdulist:
            data, header = hdulist[0].data, hdulist[0].header
        target = tmp_path / ("multi_" + os.path.basename(path))
        fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, header, name="SCI"),
                      fits.ImageHDU(np.zeros_like(data), name="ERR")]).writeto(target)
        multi.append(target)
    out = tmp_path / "rgb.fits"
    status, _, stderr = _run(capsys, *multi, "-o", out, "--hdu", "SCI",
                             "--reference", cli_filter_files[2], "--no-background")
    assert status == 0, stderr
    reference_shape = fits.getdata(cli_filter_files[2]).shape
    assert fits.getdata(out).shape == (3,) + reference_shape
    history = list(fits.getheader(out)["HISTORY"])
    assert "input 1: multi_field_g.fits[1]" in history and "option background = False" in history


def test_stack_no_wcs_option(tmp_path, capsys):
    paths = []
    for index in range(3):
        path = tmp_path / f"plain{index}.fits"
        fits.writeto(path, np.random.default_rng(index).normal(size=(40, 50)).astype(np.float32))
        paths.append(path)
    out = tmp_path / "rgb.fits"
    status, _, stderr = _run(capsys, *paths, "-o", out)
    assert status == 2 and "has no celestial WCS" in stderr and "--no-wcs" in stderr
    assert not out.exists()
    status, _, stderr = _run(capsys, *paths, "-o", out, "--no-wcs")
    assert status == 0, stderr
    assert fits.getdata(out).shape == (3, 40, 50)


def test_unwritable_output_folder(cli_filter_files, unwritable_tmp_path, capsys):
    tmp_path = unwritable_tmp_path
    status, stdout, stderr = _run(capsys, *cli_filter_files, "-o", tmp_path / "rgb.fits")
    assert status == 2
    assert stderr.strip() == f"astro-colorize: error: Cannot write to folder {tmp_path}: " \
        "Permission denied"
    assert "reprojecting" not in stdout and os.listdir(tmp_path) == []


def test_console_script_reports_errors_on_one_line(cli_filter_files, tmp_path):
    script = shutil.which("astro-colorize")
    command = [script] if script else [sys.executable, "-c",
                                       "import sys; from astro_colorgan.cli.main import main; "
                                       "sys.exit(main())"]
    out = tmp_path / "rgb.fits"
    result = subprocess.run(
        command + ["stack", str(tmp_path / "missing.fits"), *cli_filter_files[1:], "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"astro-colorize: error: No such file: {tmp_path / 'missing.fits'}"
    assert not out.exists()


# ------------------------------------------------------------- issue 26


@pytest.fixture(scope="module")
def narrowband_files(tmp_path_factory):
    """[SII], H-alpha and [OIII] files (in that, not wavelength, order), flat levels."""
    from _stack_fields import tan_wcs

    folder = tmp_path_factory.mktemp("narrowband")
    shape = (30, 40)
    wcs = tan_wcs((150.1, 2.2), 0.2, 0.0, shape)
    paths = {}
    for name, level in (("SII", 0.1), ("Ha", 0.3), ("OIII", 0.2)):
        header = wcs.to_header()
        header["FILTER"] = name
        paths[name] = folder / f"{name}.fits"
        fits.writeto(paths[name], np.full(shape, level, dtype=np.float32), header=header)
    return paths


def test_stack_mapping_option(narrowband_files, tmp_path, capsys):
    files = [narrowband_files[name] for name in ("SII", "Ha", "OIII")]
    out = tmp_path / "sho.fits"
    status, _, stderr = _run(capsys, *files, "-o", out, "--mapping", "SHO", "--no-background",
                             "--stretch", "1")
    assert status == 0, stderr
    r, g, b = fits.getdata(out)[:, 10, 10]
    assert g > b > r  # H-alpha green, [OIII] blue, [SII] red; not balanced to grey
    np.testing.assert_allclose([r / g, b / g], [1 / 3, 2 / 3], rtol=1e-4)
    history = list(fits.getheader(out)["HISTORY"])
    assert "option mapping = SHO" in history
    out = tmp_path / "custom.fits"
    status, _, stderr = _run(capsys, *files, "-o", out, "--no-background", "--stretch", "1",
                             "--mapping", "SII=red,Ha=0:0.5:0.5,OIII=B")
    assert status == 0, stderr
    r, g, b = fits.getdata(out)[:, 10, 10]
    np.testing.assert_allclose([r / g, b / g], [0.1 / 0.15, 0.35 / 0.15], rtol=1e-4)
    status, _, stderr = _run(capsys, *files[:2], "-o", tmp_path / "x.fits", "--mapping", "SHO")
    assert status == 2
    assert stderr.strip().startswith("astro-colorize: error: mapping SHO needs 3 filter(s)")
    status, _, stderr = _run(capsys, *files, "-o", tmp_path / "x.fits", "--mapping", "1,2;x")
    assert status == 2 and "argument --mapping: expected a mapping name" in stderr


def test_stack_red_green_blue_and_lupton_options(narrowband_files, tmp_path, capsys):
    from astropy.visualization import make_lupton_rgb

    out = tmp_path / "rgb.fits"
    status, _, stderr = _run(capsys, "--red", narrowband_files["SII"], "--green",
                             narrowband_files["Ha"], "--blue", narrowband_files["OIII"],
                             "-o", out, "--no-background", "--stretch", "0.5", "--Q", "8",
                             "--minimum", "0.01")
    assert status == 0, stderr
    data = [fits.getdata(narrowband_files[name]) for name in ("SII", "Ha", "OIII")]
    expected = make_lupton_rgb(*data, minimum=0.01, stretch=0.5, Q=8,
                               output_dtype=np.float64)
    np.testing.assert_allclose(np.moveaxis(fits.getdata(out), 0, -1), expected, atol=1e-5)
    for args, message in [
        (["--red", narrowband_files["SII"]], "give --red and --blue"),
        ([narrowband_files["SII"], "--red", narrowband_files["Ha"]], "not both"),
        ([], "no filters given"),
        ([*narrowband_files.values(), "--minimum", "1"], "--minimum is make_lupton_rgb's"),
        ([*narrowband_files.values(), "--stretch", "5", "--min-snr", "3"],
         "--upper-percentile and --min-snr go with a named --stretch"),
        ([*narrowband_files.values(), "--stretch", "gamma"], "argument --stretch: expected"),
    ]:
        status, _, stderr = _run(capsys, *args, "-o", tmp_path / "bad.fits")
        assert status == 2 and message in stderr, stderr
        assert not (tmp_path / "bad.fits").exists()


def test_stack_saturation_options(tmp_path, capsys):
    from _stack_fields import tan_wcs

    shape = (41, 41)
    wcs = tan_wcs((150.1, 2.2), 0.2, 0.0, shape)
    y, x = np.mgrid[:41, :41]
    star = np.exp(-((x - 20) ** 2 + (y - 20) ** 2) / 18.0)
    paths = []
    for index, (flux, level) in enumerate(((300, 30), (600, 90), (1000, 250))):
        header = wcs.to_header()
        header["SATURATE"] = level
        paths.append(tmp_path / f"f{index}.fits")
        fits.writeto(paths[-1], np.minimum(flux * star, level).astype(np.float32), header)
    outputs = {}
    for name, extra in (("auto", []), ("off", ["--no-saturation"]),
                        ("given", ["--saturation", "30,auto,250"])):
        outputs[name] = tmp_path / f"{name}.fits"
        status, _, stderr = _run(capsys, *paths, "-o", outputs[name], "--no-background", *extra)
        assert status == 0, stderr
    auto, off, given = (fits.getdata(outputs[name]) for name in ("auto", "off", "given"))
    np.testing.assert_array_equal(auto, given)
    core = auto[:, 20, 20]
    np.testing.assert_allclose(core / core.max(), [1.0, 0.6, 0.3], atol=0.02)  # R, G, B
    assert not np.allclose(off[:, 20, 20] / off[:, 20, 20].max(), [1.0, 0.6, 0.3], atol=0.05)
    history = list(fits.getheader(outputs["auto"])["HISTORY"])
    assert any(line.startswith("saturated cores: 1 region(s)") for line in history)
    status, _, stderr = _run(capsys, *paths, "-o", tmp_path / "bad.fits", "--saturation",
                             "1,2", )
    assert status == 2 and "2 saturation value(s) given for 3 filter(s)" in stderr
    status, _, stderr = _run(capsys, *paths, "-o", tmp_path / "bad.fits", "--saturation",
                             "10", "--no-saturation")
    assert status == 2 and "contradict" in stderr


def test_stack_white_balance_option(tmp_path, capsys):
    from astropy.table import Table

    from _stack_fields import render_stars, star_positions, tan_wcs

    shape = (120, 120)
    wcs = tan_wcs((150.1, 2.2), 0.2, 0.0, shape)
    positions = star_positions(25, 10.0, seed=5, min_separation=2.5)
    rng = np.random.default_rng(5)
    fluxes = rng.uniform(300, 2000, 25)[:, None] * np.exp(
        np.outer(rng.normal(0, 0.3, 25), [-0.4, 0.0, 0.4]))
    paths = []
    for band, (name, gain) in enumerate(zip("gri", (0.7, 1.0, 1.4))):
        header = wcs.to_header()
        header["FILTER"] = name
        paths.append(tmp_path / f"{name}.fits")
        fits.writeto(paths[-1], render_stars(wcs, shape, positions, fluxes[:, band] * gain,
                                             fwhm=0.8, noise=0.05, seed=band), header)
    catalogue = tmp_path / "stars.ecsv"
    mags = -2.5 * np.log10(fluxes)
    Table({"ra": positions.ra.deg, "dec": positions.dec.deg, "g": mags[:, 0],
           "r": mags[:, 1], "i": mags[:, 2]}).write(catalogue)
    out = tmp_path / "rgb.fits"
    status, stdout, stderr = _run(capsys, *paths, "-o", out, "--no-background",
                                  "--white-balance", catalogue)
    assert status == 0, stderr
    assert "white balance: gains [" in stdout  # the log
    line = next(line for line in fits.getheader(out)["HISTORY"] if "gains [" in line)
    gains = np.array([float(v) for v in line.split("[")[1].split("]")[0].split(",")])
    corrected = gains * [0.7, 1.0, 1.4]
    np.testing.assert_allclose(corrected / corrected.mean(), 1.0, atol=0.03)
    status, _, stderr = _run(capsys, *paths, "-o", tmp_path / "x.fits", "--white-balance",
                             tmp_path / "missing.ecsv")
    assert status == 2 and "No such file" in stderr and "--white-balance" in stderr
    status, _, stderr = _run(capsys, *paths, "-o", tmp_path / "x.fits", "--white-balance",
                             "1,2")
    assert status == 2 and "2 gain(s) given for 3 filter(s)" in stderr
