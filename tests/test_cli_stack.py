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
