"""Tests of ``astro-colorize colorize``, ``train`` and ``evaluate``."""

import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits

from astro_colorgan.cli import main
from astro_colorgan.data import get_sample_path

from _colour_images import make_colour_images


def _error(capsys, args):
    status = main(args)
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("astro-colorize: error: ")
    assert "Traceback" not in err
    return lines[-1]


def test_colorize_sample(tmp_path, tiny_model_path):
    out = tmp_path / "out.fits"
    png = tmp_path / "out.png"
    assert main(["colorize", get_sample_path("sample_single"), "-o", str(out), "--png", str(png),
                 "--model", str(tiny_model_path), "--tta", "--tile", "128"]) == 0
    with fits.open(out) as hdul:
        assert hdul[0].data.shape == (3, 256, 256)
        assert hdul[0].header["COLORSRC"] == "PREDICTED"
        assert "CHROMA_SPREAD" in hdul
        assert hdul[0].header["CTYPE1"].startswith("RA")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_colorize_refuses_to_overwrite(tmp_path, capsys, tiny_model_path):
    out = tmp_path / "out.fits"
    out.write_bytes(b"precious")
    line = _error(capsys, ["colorize", get_sample_path("sample_single"), "-o", str(out),
                           "--model", str(tiny_model_path)])
    assert "already exists" in line
    assert out.read_bytes() == b"precious"


@pytest.mark.parametrize("case", ["missing-input", "not-fits", "missing-model", "corrupt-model",
                                  "no-finite", "cube-without-plane"])
def test_colorize_bad_input(case, tmp_path, capsys, tiny_model_path):
    model = str(tiny_model_path)
    source = get_sample_path("sample_single")
    if case == "missing-input":
        source = str(tmp_path / "nope.fits")
    elif case == "not-fits":
        source = str(tmp_path / "text.fits")
        (tmp_path / "text.fits").write_text("hello")
    elif case == "missing-model":
        model = str(tmp_path / "nope.safetensors")
    elif case == "corrupt-model":
        model = str(tmp_path / "bad.safetensors")
        (tmp_path / "bad.safetensors").write_bytes(b"garbage" * 10)
    elif case == "no-finite":
        source = str(tmp_path / "nan.fits")
        fits.PrimaryHDU(np.full((16, 16), np.nan)).writeto(source)
    elif case == "cube-without-plane":
        source = str(tmp_path / "cube.fits")
        fits.PrimaryHDU(np.ones((3, 16, 16))).writeto(source)
    out = tmp_path / "out.fits"
    _error(capsys, ["colorize", source, "-o", str(out), "--model", model])
    assert not out.exists()


def test_colorize_cuda_without_gpu(tmp_path, capsys, tiny_model_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    line = _error(capsys, ["colorize", get_sample_path("sample_single"), "-o",
                           str(tmp_path / "o.fits"), "--model", str(tiny_model_path),
                           "--device", "cuda"])
    assert "CUDA" in line


def test_console_script_error_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from astro_colorgan.cli import main; "
         "sys.exit(main())", "colorize", str(tmp_path / "missing.fits"), "-o",
         str(tmp_path / "o.fits")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("astro-colorize: error:")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_train_and_evaluate_commands(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    make_colour_images(data, n=12, size=40)
    model = tmp_path / "m.safetensors"
    assert main(["train", str(data), "-o", str(model), "--preset", "l1-only", "--epochs", "1",
                 "--batch-size", "4", "--crop", "32", "--no-progress"]) == 0
    assert model.exists() and (tmp_path / "m-run" / "losses.csv").exists()
    capsys.readouterr()
    assert main(["evaluate", str(data), "--model", str(model), "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "grey" in out and "ΔE00 coloured" in out
    assert "minus grey (paired)" in out and "standard errors of the means over 12" in out


def test_train_and_evaluate_bad_input(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _error(capsys, ["train", str(empty), "-o", str(tmp_path / "m.safetensors")])
    assert "no colour image" in line
    assert not (tmp_path / "m.safetensors").exists()
    _error(capsys, ["train", str(tmp_path / "missing"), "-o", str(tmp_path / "m.safetensors")])
    _error(capsys, ["train", str(empty), "-o", str(tmp_path / "m.safetensors"), "--epochs", "0"])
    _error(capsys, ["evaluate", str(empty)])
