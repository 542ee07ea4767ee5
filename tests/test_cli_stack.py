"""Tests of ``astro-colorize stack``."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from astro_colorgan.cli.main import main

from _stack_fields import FIELD_CENTRE, tan_wcs, three_filter_field


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


def _bad_inputs(folder, good):
    """Bad inputs of the issue: name -> (filter arguments, expected message)."""
    missing = folder / "missing.fits"
    not_fits = folder / "notes.fits"
    not_fits.write_text("not a FITS file\n" * 40)
    truncated = folder / "truncated.fits"
    truncated.write_bytes(Path(good[0]).read_bytes()[:6000])
    table = folder / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name="flux", format="E", array=[1.0, 2.0])])]).writeto(table)
    several = folder / "several.fits"
    with fits.open(good[0]) as hdulist:
        data, header = hdulist[0].data, hdulist[0].header
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, header, name="SCI"),
                  fits.ImageHDU(data, name="ERR")]).writeto(several)
    no_wcs = folder / "no_wcs.fits"
    fits.writeto(no_wcs, data)
    far = folder / "far.fits"
    far_wcs = tan_wcs((FIELD_CENTRE[0] + 1.0, FIELD_CENTRE[1]), 0.2, 0.0, data.shape)
    fits.writeto(far, data, header=far_wcs.to_header())
    all_nan = folder / "all_nan.fits"
    fits.writeto(all_nan, np.full(data.shape, np.nan, np.float32), header=header)
    return {
        "missing file": ([missing, good[1], good[2]], "No such file"),
        "not FITS": ([good[0], not_fits, good[2]], "Not a FITS file or corrupt"),
        "truncated": ([good[0], good[1], truncated], "Truncated FITS file"),
        "no image HDU": ([table, good[1], good[2]], "holds no image HDU"),
        "several image HDUs": ([several, good[1], good[2]],
                               "holds several image HDUs (1 SCI, 2 ERR); choose one with hdu= / "
                               "--hdu"),
        "no celestial WCS": ([good[0], no_wcs, good[2]], "no_wcs.fits[0] has no celestial WCS"),
        "non-overlapping": ([good[0], good[1], far], "do not overlap on the sky"),
        "all NaN": ([good[0], all_nan, good[2]], "holds no valid pixel"),
    }


BAD_INPUTS = ["missing file", "not FITS", "truncated", "no image HDU", "several image HDUs",
              "no celestial WCS", "non-overlapping", "all NaN"]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_inputs_give_one_line_and_status_2(case, cli_filter_files, tmp_path, capsys):
    filters, message = _bad_inputs(tmp_path, cli_filter_files)[case]
    out, png = tmp_path / "rgb.fits", tmp_path / "rgb.png"
    before = sorted(os.listdir(tmp_path))
    status, _, stderr = _run(capsys, *filters, "-o", out, "--png", png)
    assert status == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("astro-colorize: error: ") and message in lines[0]
    assert "Traceback" not in stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, no temporary left


@pytest.mark.parametrize("case", ["existing output", "missing folder", "folder is a file",
                                  "existing png", "bad extension", "png name", "weights",
                                  "same outputs"])
def test_bad_outputs_and_options_are_refused_first(case, cli_filter_files, tmp_path, capsys):
    existing = tmp_path / "rgb.fits"
    existing.write_bytes(b"keep me")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "old.png").write_bytes(b"old png")
    arguments, message = {
        "existing output": (["-o", existing], "already exists"),
        "missing folder": (["-o", tmp_path / "nowhere" / "rgb.fits"], "No such directory"),
        "folder is a file": (["-o", tmp_path / "afile" / "rgb.fits"], "Not a directory"),
        "existing png": (["-o", tmp_path / "new.fits", "--png", tmp_path / "old.png"],
                         "old.png already exists"),
        "bad extension": (["-o", tmp_path / "rgb.bmp"], "Cannot tell the image format"),
        "png name": (["-o", tmp_path / "new.fits", "--png", tmp_path / "x.jpg"],
                     "--png needs a .png file name"),
        "weights": (["-o", tmp_path / "new.fits", "--weights", "1,2"], "2 weight(s) given"),
        "same outputs": (["-o", tmp_path / "x.png", "--png", tmp_path / "x.png"],
                         "must be different files"),
    }[case]
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    status, stdout, stderr = _run(capsys, *cli_filter_files, *arguments)
    assert status == 2
    assert stderr.strip().splitlines() == [stderr.strip()]
    assert stderr.startswith("astro-colorize: error: ") and message in stderr
    assert "reprojecting" not in stdout and "subtracting" not in stdout  # refused before work
    after = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    assert after == before


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


def test_weights_must_be_numbers(cli_filter_files, tmp_path, capsys):
    status = main(["stack", *cli_filter_files, "-o", str(tmp_path / "x.fits"), "--weights", "a,b"])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("astro-colorize: error: ") and len(err.splitlines()) == 1
    assert "expected comma-separated numbers" in err
