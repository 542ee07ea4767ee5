"""The robustness battery (issue 17): any flux scale, every bad input refused cleanly.

Each bad input goes through the command line in this process (exit status 2,
exactly one line ``astro-colorize: error: ...`` on standard error, no
traceback, no new file, every existing file unchanged) and, where the API can
be given the same input, through the API (the exception type and message).
Odd but valid inputs (any flux scale, non-ASCII file names, mixed units, tiny
images) must work. The slow part (interrupted subprocesses, an interrupted
training run, fresh-process determinism) is in ``test_bad_inputs_slow.py``.
"""

import hashlib
import os
import re
import shutil
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from astro_colorgan.cli.main import main

from _stack_fields import three_filter_field

# every test here gets its examples from a fixed seed: the battery is the same each run
FEW = settings(max_examples=6, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])

# a whole stack per example: fewer of them
STACKS = settings(FEW, max_examples=3)

UNICODE_NAME = "ünï cødé space.fits"


# -- the inputs ------------------------------------------------------------------------------


def _nan_card(source, target, keyword="CRVAL1", text="NAN"):
    """Copy a FITS file, writing ``text`` (which astropy refuses to write) as a keyword's value."""
    raw = bytearray(_read(source))
    start = raw.index(f"{keyword:<8}= ".encode())
    raw[start:start + 80] = f"{keyword:<8}= {text:>20}".ljust(80).encode()
    _write(target, bytes(raw))
    return target


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, tiny_model_path):
    """A read-only folder of good and bad inputs, by name."""
    folder = tmp_path_factory.mktemp("battery_inputs")
    paths = {}
    filters, _ = three_filter_field(sky=(1.0, 2.0, 3.0))
    for band, (data, wcs) in zip("gri", filters):
        paths[band] = str(folder / f"field_{band}.fits")
        fits.writeto(paths[band], data, header=wcs.to_header())
    data, wcs = filters[1]
    header = wcs.to_header()
    paths["single"] = paths["r"]
    paths["text"] = str(folder / "notes.fits")
    _write(paths["text"], "this is not a FITS file\n" * 40)
    paths["empty"] = str(folder / "empty.fits")
    _write(paths["empty"], b"")
    paths["truncated"] = str(folder / "truncated.fits")
    _write(paths["truncated"], _read(paths["r"])[:5000])
    paths["nan_crval"] = _nan_card(paths["r"], folder / "nan_crval.fits")
    paths["inf_cdelt"] = str(folder / "inf_pc.fits")
    bad = header.copy()
    bad["PC1_1"] = 1.0
    fits.writeto(paths["inf_cdelt"], data, header=bad)
    _nan_card(paths["inf_cdelt"], paths["inf_cdelt"], "PC1_1", "INF")
    paths["cube"] = str(folder / "cube.fits")
    fits.writeto(paths["cube"], np.stack([data, data, data]), header=header)
    paths["sci"] = str(folder / "sci_err.fits")
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, header, name="SCI"),
                  fits.ImageHDU(np.ones_like(data), header, name="ERR")]).writeto(paths["sci"])
    paths["all_nan"] = str(folder / "all_nan.fits")
    fits.writeto(paths["all_nan"], np.full_like(data, np.nan), header=header)
    paths["table"] = str(folder / "table.fits")
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name="flux", format="E", array=[1.0])])]).writeto(paths["table"])
    paths["unicode"] = str(folder / UNICODE_NAME)
    shutil.copy(paths["r"], paths["unicode"])
    for key, unit, band in (("jy", "Jy", "r"), ("electrons", "electron/s", "i")):
        paths[key] = str(folder / f"{key}.fits")
        with fits.open(paths[band]) as hdul:
            hdul[0].header["BUNIT"] = unit
            hdul.writeto(paths[key])
    paths["folder"] = str(folder / "a_folder.fits")
    os.mkdir(paths["folder"])
    # models and checkpoints
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(tiny_model_path), framework="pt") as handle:
        metadata = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    first = next(key for key, value in tensors.items()
                 if key.startswith("generator.") and value.is_floating_point())
    nan_tensors = dict(tensors, **{first: tensors[first] * float("nan")})
    paths["nan_model"] = str(folder / "nan.safetensors")
    save_file(nan_tensors, paths["nan_model"], metadata=metadata)
    import json

    config = json.loads(metadata["config"])
    config["width"] = 2 * config["width"]
    paths["other_model"] = str(folder / "other.safetensors")
    save_file(tensors, paths["other_model"], metadata=dict(metadata, config=json.dumps(config)))
    paths["model"] = str(tiny_model_path)
    paths["text_model"] = str(folder / "text.safetensors")
    _write(paths["text_model"], "not a model\n")
    paths["text_ckpt"] = str(folder / "text.pt")
    _write(paths["text_ckpt"], "epoch 101\n" * 20)
    paths["random_ckpt"] = str(folder / "random.pt")
    _write(paths["random_ckpt"], np.random.default_rng(0).bytes(4096))
    paths["model_as_ckpt"] = str(folder / "checkpoint.pt")
    shutil.copy(tiny_model_path, paths["model_as_ckpt"])
    paths["toy"] = str(folder / "toy")
    os.mkdir(paths["toy"])
    from _colour_images import make_colour_images

    make_colour_images(__import__("pathlib").Path(paths["toy"]), n=4, size=32)
    for path in [folder / name for name in os.listdir(folder)]:
        if path.is_file():
            path.chmod(0o444)  # the battery must never write to its inputs
    return {key: str(value) for key, value in paths.items()}


def _snapshot(*folders):
    """Every file (hidden ones too) under ``folders``: path to sha256 of its bytes."""
    found = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = os.path.join(root, name)
                found[path] = (hashlib.sha256(_read(path)).hexdigest()
                               if os.path.isfile(path) else "folder")
    return found


# -- the table of bad inputs -----------------------------------------------------------------
# name: (arguments, pattern the one error line must match, pattern it must not match)
# Paths are given as "{key}" (an input) and "@name" (a file in the test's own folder).

CASES = {
    # stack
    "stack missing file": (["stack", "@missing.fits", "{r}", "{i}", "-o", "@o.fits"],
                           r"No such file: .*missing\.fits$"),
    "stack text file": (["stack", "{text}", "{r}", "{i}", "-o", "@o.fits"],
                        "Not a FITS file or corrupt"),
    "stack empty file": (["stack", "{empty}", "{r}", "{i}", "-o", "@o.fits"],
                         "Not a FITS file or corrupt|empty"),
    "stack truncated file": (["stack", "{truncated}", "{r}", "{i}", "-o", "@o.fits"],
                             "Truncated FITS file|Cannot read the data"),
    "stack folder as filter": (["stack", "{folder}", "{r}", "{i}", "-o", "@o.fits"],
                               "Is a directory"),
    "stack table only": (["stack", "{table}", "{r}", "{i}", "-o", "@o.fits"],
                         "holds no image HDU"),
    "stack NaN CRVAL1": (["stack", "{nan_crval}", "{r}", "{i}", "-o", "@o.fits"],
                         r"CRVAL1 is not a finite number \(NAN\)", "overlap"),
    "stack infinite PC1_1": (["stack", "{inf_cdelt}", "{r}", "{i}", "-o", "@o.fits"],
                             r"PC1_1 is not a finite number"),
    "stack 3-D cube": (["stack", "{cube}", "{r}", "{i}", "-o", "@o.fits"],
                       r"3-D image .*--plane"),
    "stack plane out of range": (["stack", "{cube}", "{r}", "{i}", "-o", "@o.fits",
                                  "--plane", "3"], "plane=3 is out of range"),
    "stack plane of a 2-D image": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits",
                                    "--plane", "0"], "is not a 3-D image"),
    "stack --hdu against [SCI]": (["stack", "{sci}[SCI]", "{r}", "{i}", "-o", "@o.fits",
                                   "--hdu", "2"], "give only one of them"),
    "stack all NaN": (["stack", "{all_nan}", "{r}", "{i}", "-o", "@o.fits"],
                      "holds no valid pixel"),
    "stack weights all 0": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--weights",
                             "0,0,0"], "weights are all 0"),
    "stack negative weight": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--weights",
                               "1,-1,1"], "not negative"),
    "stack weights not numbers": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits",
                                   "--weights", "a,b"], "expected comma-separated numbers"),
    "stack --min-snr nan": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--min-snr", "nan"],
                            "min_snr must be finite"),
    "stack --min-snr negative": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--min-snr",
                                  "-1"], "min_snr must be finite and not negative"),
    "stack --Q nan": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--Q", "nan"],
                      "Q must be positive"),
    "stack --Q 0": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--Q", "0"],
                    "Q must be positive"),
    "stack --upper-percentile nan": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits",
                                      "--upper-percentile", "nan"], "upper_percentile"),
    "stack unknown output format": (["stack", "{g}", "{r}", "{i}", "-o", "@o.bmp"],
                                    r"Cannot tell the image format .*\.tif extension$",
                                    "format="),
    "stack existing output": (["stack", "{g}", "{r}", "{i}", "-o", "@existing.fits"],
                              "already exists"),
    "stack unknown --order": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--order",
                               "spline"], "invalid choice"),
    "stack missing --reference": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits",
                                   "--reference", "@nowhere.fits"], "No such file"),
    # colorize
    "colorize -o .png": (["colorize", "{single}", "-o", "@o.png", "--model", "{model}"],
                         r"o\.png is not a FITS file name.*--png"),
    "colorize -o .jpg": (["colorize", "{single}", "-o", "@o.jpg", "--model", "{model}"],
                         "is not a FITS file name"),
    "colorize -o .txt": (["colorize", "{single}", "-o", "@o.txt", "--model", "{model}"],
                         "is not a FITS file name"),
    "colorize --png not png": (["colorize", "{single}", "-o", "@o.fits", "--png", "@o.jpg",
                                "--model", "{model}"], "--png needs a .png file name"),
    "colorize existing output": (["colorize", "{single}", "-o", "@existing.fits", "--model",
                                  "{model}"], "already exists"),
    "colorize NaN weights": (["colorize", "{single}", "-o", "@o.fits", "--model",
                              "{nan_model}"], "non-finite weights"),
    "colorize text model": (["colorize", "{single}", "-o", "@o.fits", "--model",
                             "{text_model}"], "not a readable safetensors model file"),
    "colorize other architecture": (["colorize", "{single}", "-o", "@o.fits", "--model",
                                     "{other_model}"],
                                    r"another architecture: .*(\w \.\.\.|[^.])$"),
    "colorize NaN CRVAL1": (["colorize", "{nan_crval}", "-o", "@o.fits", "--model",
                             "{model}"], "CRVAL1 is not a finite number"),
    "colorize 3-D cube": (["colorize", "{cube}", "-o", "@o.fits", "--model", "{model}"],
                          "--plane"),
    "colorize --hdu against [SCI]": (["colorize", "{sci}[SCI]", "-o", "@o.fits", "--model",
                                      "{model}", "--hdu", "ERR"], "give only one of them"),
    "colorize all NaN": (["colorize", "{all_nan}", "-o", "@o.fits", "--model", "{model}"],
                         "holds no valid pixel"),
    "colorize --tile 7": (["colorize", "{single}", "-o", "@o.fits", "--model", "{model}",
                           "--tile", "7"], "tile must be a multiple of 16"),
    "colorize --overlap too large": (["colorize", "{single}", "-o", "@o.fits", "--model",
                                      "{model}", "--tile", "64", "--overlap", "40"],
                                     "overlap must be between 0 and tile/2"),
    "colorize --Q 0": (["colorize", "{single}", "-o", "@o.fits", "--model", "{model}", "--Q",
                        "0"], "Q must be positive"),
    # batch: refused before a cluster starts or a folder is made
    "batch --tile 7": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}",
                        "--tile", "7", "--no-progress"], "tile must be a multiple of 16"),
    "batch --Q 0": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}", "--Q", "0",
                     "--no-progress"], "Q must be positive"),
    "batch --workers 0": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}",
                           "--workers", "0", "--no-progress"], "workers must be"),
    "batch --timeout nan": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}",
                             "--timeout", "nan", "--no-progress"], "timeout must be a positive number"),
    "batch NaN weights": (["batch", "{single}", "--out-dir", "@out", "--model", "{nan_model}",
                           "--no-progress"], "non-finite weights"),
    # train: refused before the run folder is made
    "train --resume text file": (["train", "{toy}", "-o", "@m.safetensors", "--resume",
                                  "{text_ckpt}", "--no-progress"],
                                 "is not a training checkpoint"),
    "train --resume random bytes": (["train", "{toy}", "-o", "@m.safetensors", "--resume",
                                     "{random_ckpt}", "--no-progress"],
                                    "is not a training checkpoint"),
    "train --resume model file": (["train", "{toy}", "-o", "@m.safetensors", "--resume",
                                   "{model}", "--no-progress"], "is not a training checkpoint"),
    "train --resume model renamed": (["train", "{toy}", "-o", "@m.safetensors", "--resume",
                                      "{model_as_ckpt}", "--no-progress"],
                                     "is not a training checkpoint"),
    "train --resume missing": (["train", "{toy}", "-o", "@m.safetensors", "--resume",
                                "@nothing.pt", "--no-progress"], "No such checkpoint"),
    "train --epochs 0": (["train", "{toy}", "-o", "@m.safetensors", "--epochs", "0"],
                         "--epochs must be at least 1"),
    # evaluate
    "evaluate --report onto a file": (["evaluate", "{toy}", "--report", "@existing.fits"],
                                      "--report needs a folder", r"Errno"),
    "evaluate --max-side 8": (["evaluate", "{toy}", "--max-side", "8"],
                              "--max-side must be at least 16"),
}

# the environment: SOURCE_DATE_EPOCH is read while libraries are imported
EPOCH_CASES = ["abc", "1.5", "123456789012345678901", "-5"]


def _argv(arguments, paths, folder):
    def expand(item):
        if item.startswith("@"):
            return os.path.join(folder, item[1:])
        return re.sub(r"\{(\w+)\}", lambda m: paths[m[1]], item)

    return [expand(item) for item in arguments]


def _refused(capsys, argv, pattern, forbidden=None, folders=()):
    """Run the command line in this process and check the one-line refusal."""
    before = _snapshot(*folders)
    status = main(argv)
    captured = capsys.readouterr()
    err = captured.err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("astro-colorize: error: "), err
    assert re.search(pattern, lines[0]), lines[0]
    assert forbidden is None or not re.search(forbidden, lines[0]), lines[0]
    assert "Traceback" not in err + captured.out
    assert _snapshot(*folders) == before  # nothing new, nothing changed, no temporary left
    return lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_command_line_refuses_bad_input(case, inputs, tmp_path, capsys):
    arguments, pattern, *forbidden = CASES[case]
    (tmp_path / "existing.fits").write_bytes(b"keep me")
    argv = _argv(arguments, inputs, str(tmp_path))
    _refused(capsys, argv, pattern, forbidden[0] if forbidden else None,
             folders=(tmp_path, os.path.dirname(inputs["g"])))


@pytest.mark.parametrize("epoch", EPOCH_CASES)
def test_malformed_source_date_epoch(epoch, inputs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    _refused(capsys, ["stack", inputs["g"], inputs["r"], inputs["i"], "-o",
                      str(tmp_path / "o.fits")], "SOURCE_DATE_EPOCH must be a whole number",
             folders=(tmp_path,))
    from astro_colorgan.io import provenance_history

    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH must be a whole number"):
        provenance_history("stack", [], {})


def test_cases_cover_the_issue():
    assert len(CASES) + len(EPOCH_CASES) >= 40


# -- the same inputs through the API ---------------------------------------------------------


def test_api_read_image_refusals(inputs):
    from astro_colorgan.io import read_image

    with pytest.raises(FileNotFoundError, match="No such file"):
        read_image(inputs["g"] + ".missing")
    with pytest.raises(OSError, match="Not a FITS file or corrupt"):
        read_image(inputs["text"])
    with pytest.raises(ValueError, match=r"CRVAL1 is not a finite number \(NAN\)"):
        read_image(inputs["nan_crval"])
    with pytest.raises(ValueError, match=r"3-D image .*plane= / --plane \(0 to 2\)"):
        read_image(inputs["cube"])
    with pytest.raises(ValueError, match="give only one of them"):
        read_image(inputs["sci"] + "[SCI]", hdu=2)
    assert read_image(inputs["sci"] + "[SCI]", hdu="SCI").name.endswith("[1]")  # no conflict
    with pytest.raises(ValueError, match="holds complex numbers, not real numbers"):
        read_image(np.ones((4, 4), complex))
    with pytest.raises(ValueError, match="holds complex numbers"):
        read_image(np.ma.MaskedArray(np.ones((4, 4), np.complex64)))
    with pytest.raises(ValueError, match="holds values of type <U1"):
        read_image(np.array([["a", "b"]]))
    from astropy.wcs import WCS

    wcs = WCS(fits.getheader(inputs["r"]))
    wcs.wcs.crval = [np.nan, 2.2]
    with pytest.raises(ValueError, match="non-finite CRVAL"):
        read_image((np.ones((4, 4)), wcs))


def test_api_stack_refusals(inputs):
    from astro_colorgan import stack
    from astro_colorgan.composite import SkyPercentileInterval

    filters = [inputs[band] for band in "gri"]
    with pytest.raises(ValueError, match="weights are all 0"):
        stack(filters, weights=[0, 0, 0])
    for bad in (np.nan, -1.0, np.inf):
        with pytest.raises(ValueError, match="min_snr must be finite and not negative"):
            SkyPercentileInterval(min_snr=bad)
        with pytest.raises(ValueError, match="sky_sigma must be finite and not negative"):
            SkyPercentileInterval(sky_sigma=bad)
    with pytest.raises(ValueError, match="CRVAL1 is not a finite number"):
        stack([inputs["nan_crval"], inputs["r"], inputs["i"]])
    with pytest.raises(ValueError, match="plane=3 is out of range"):
        stack([inputs["cube"], inputs["r"], inputs["i"]], plane=[3, None, None])


def test_api_output_names(inputs, tmp_path):
    from astro_colorgan.io import write_fits
    from astro_colorgan.io._fitsout import fits_cube_writer, rgb_cube_header

    for name in ("o.png", "o.jpg", "o.txt", "o"):
        with pytest.raises(ValueError, match="is not a FITS file name"):
            write_fits(fits.PrimaryHDU(np.zeros((2, 2))), tmp_path / name)
        with pytest.raises(ValueError, match="is not a FITS file name"):
            with fits_cube_writer(tmp_path / name, rgb_cube_header((2, 2))):
                pass
    assert os.listdir(tmp_path) == []
    from astro_colorgan.io._images import image_format

    with pytest.raises(ValueError, match=r"use a \.png, \.jpg or \.tif extension$"):
        image_format("o.bmp")


def test_api_models(inputs, tmp_path):
    from astro_colorgan.colorize import Colorizer
    from astro_colorgan.nets import load_model

    with pytest.raises(ValueError, match=r"holds non-finite weights \(NaN or infinity in "
                                         r"generator\..*diverged$"):
        load_model(inputs["nan_model"])
    with pytest.raises(ValueError, match="another architecture") as info:
        load_model(inputs["other_model"])
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert message.endswith(" ...") or len(message) < 300  # cut between words, if at all
    with pytest.raises(OSError, match="not a readable safetensors model file"):
        load_model(inputs["text_model"])
    for name in ("o.png", "o.jpg"):
        for tta in (False, True):
            colorizer = Colorizer(inputs["model"], device="cpu", tta=tta)
            with pytest.raises(ValueError, match="is not a FITS file name"):
                colorizer.colorize_file(inputs["single"], tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_api_batch_refuses_before_anything_starts(inputs, tmp_path):
    from astro_colorgan.batch import run_batch

    out = tmp_path / "out"
    for options, pattern in (({"tile": 7}, "tile must be a multiple of 16"),
                             ({"overlap": -1}, "overlap must be between"),
                             ({"Q": 0.0}, "Q must be positive"),
                             ({"stretch": "cubic"}, "unknown stretch")):
        with pytest.raises(ValueError, match=pattern):
            run_batch([inputs["single"]], out, model=inputs["model"], progress=False,
                      colorize_options=options)
    with pytest.raises(ValueError, match="workers must be"):
        run_batch([inputs["single"]], out, model=inputs["model"], workers=0)
    # a misspelt option fails here, not once per file on the workers
    with pytest.raises(ValueError, match="unknown colorize_options 'tiel'"):
        run_batch([inputs["single"]], out, model=inputs["model"], colorize_options={"tiel": 64})
    with pytest.raises(ValueError, match="unknown stack_options 'QQ'"):
        run_batch([inputs["single"]], out, model=inputs["model"], mode="stack-then-colorize",
                  stack_options={"QQ": 8})
    assert not out.exists()


def test_api_checkpoints(inputs, tmp_path):
    from astro_colorgan.training import train
    from astro_colorgan.training._checkpoint import read_checkpoint

    for key in ("text_ckpt", "random_ckpt", "model", "model_as_ckpt"):
        with pytest.raises(ValueError, match="is not a training checkpoint"):
            read_checkpoint(inputs[key])
    with pytest.raises(FileNotFoundError, match="No such checkpoint"):
        read_checkpoint(tmp_path / "none.pt")
    with pytest.raises(ValueError, match="is not a training checkpoint"):
        train(inputs["toy"], tmp_path / "m.safetensors", resume=inputs["random_ckpt"],
              progress=False)
    assert os.listdir(tmp_path) == []  # no run folder


# -- odd but valid inputs --------------------------------------------------------------------


def test_non_ascii_file_name_is_processed(inputs, tmp_path, capsys):
    out = tmp_path / "ça.fits"
    status = main(["stack", inputs["g"], inputs["unicode"], inputs["i"], "-o", str(out)])
    assert status == 0, capsys.readouterr().err
    history = "\n".join(fits.getheader(out)["HISTORY"])
    assert "uni c\\xf8de space.fits" in history
    out = tmp_path / "colour.fits"
    status = main(["colorize", inputs["unicode"], "-o", str(out), "--model", inputs["model"]])
    assert status == 0, capsys.readouterr().err
    assert "uni c\\xf8de space.fits" in "\n".join(fits.getheader(out)["HISTORY"])
    from astro_colorgan.io._fitsout import fits_text

    assert fits_text("ünï cødé space.fits") == "uni c\\xf8de space.fits"


def test_mixed_units_warn(inputs):
    from astro_colorgan import stack

    with pytest.warns(AstropyUserWarning, match=r"different units \(BUNIT\): Jy .*electron"):
        stack([inputs["g"], inputs["jy"], inputs["electrons"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stack([inputs["g"], inputs["r"], inputs["i"]])  # no BUNIT: no warning


@FEW
@given(shape=st.tuples(st.integers(1, 40), st.integers(1, 40)), tta=st.booleans())
def test_colorize_any_shape(shape, tta, tiny_model_path):
    from astro_colorgan.colorize import Colorizer

    colorizer = _colorizer(tiny_model_path, stretch=None, tta=tta)
    data = np.random.default_rng(0).uniform(0, 1, shape)
    rgb = colorizer.colorize(data).rgb
    assert rgb.shape == shape + (3,) and np.isfinite(rgb).all()
    assert isinstance(colorizer, Colorizer)


def test_tta_on_thin_images(tiny_model_path):
    colorizer = _colorizer(tiny_model_path, stretch=None, tta=True)
    for shape in ((1, 1), (1, 7), (7, 1), (2, 33)):
        rgb = colorizer.colorize(np.linspace(0, 1, shape[0] * shape[1]).reshape(shape)).rgb
        assert rgb.shape == shape + (3,) and np.isfinite(rgb).all()


_COLORIZERS = {}


def _colorizer(path, **options):
    from astro_colorgan.colorize import Colorizer

    key = (path, tuple(sorted(options.items())))
    if key not in _COLORIZERS:
        _COLORIZERS[key] = Colorizer(path, device="cpu", **options)
    return _COLORIZERS[key]


# -- any flux scale --------------------------------------------------------------------------

scales = st.tuples(st.floats(-35, 35), st.sampled_from([np.float32, np.float64]))


def _same_picture(a, b):
    """Equal NaN pattern, and at most 0.1 % of the values more than 1/255 apart."""
    a, b = np.asarray(a), np.asarray(b)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.isfinite(a).any()
    far = np.abs(np.nan_to_num(a) - np.nan_to_num(b)) > 1 / 255
    assert far.mean() <= 1e-3, far.mean()


@pytest.fixture(scope="module")
def field():
    filters, _ = three_filter_field(sky=(1.0, 2.0, 3.0))
    return filters


@pytest.fixture(scope="module")
def field_reference(field):
    from astro_colorgan import stack

    return stack(field).rgb


@STACKS
@given(scale=scales)
@example(scale=(-35.0, np.float32))
@example(scale=(35.0, np.float64))
def test_stack_any_flux_scale(scale, field, field_reference):
    from astro_colorgan import stack

    exponent, dtype = scale
    factor = 10.0 ** exponent
    scaled = [((data.astype(np.float64) * factor).astype(dtype), wcs) for data, wcs in field]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice", no overflow
        rgb = stack(scaled).rgb
    _same_picture(rgb, field_reference)


@settings(STACKS, max_examples=2)
@given(exponent=st.integers(-100, 100))
def test_stack_power_of_two_scale_is_exact(exponent, field, field_reference):
    from astro_colorgan import stack

    scaled = [(data * np.float32(2.0 ** exponent), wcs) for data, wcs in field]
    np.testing.assert_allclose(stack(scaled).rgb, field_reference, atol=1e-6)


@pytest.fixture(scope="module")
def galaxy():
    y, x = np.mgrid[:48, :56]
    image = 0.02 * np.random.default_rng(5).normal(size=y.shape) + 0.1
    image += np.exp(-((x - 30) ** 2 + (y - 20) ** 2) / 40.0)
    return image


@FEW
@given(scale=scales)
@example(scale=(-35.0, np.float32))
@example(scale=(35.0, np.float32))
@example(scale=(-20.0, np.float64))
def test_colorize_any_flux_scale(scale, galaxy, tiny_model_path):
    exponent, dtype = scale
    colorizer = _colorizer(tiny_model_path)
    reference = colorizer.colorize(galaxy).rgb
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgb = colorizer.colorize((galaxy * 10.0 ** exponent).astype(dtype)).rgb
    _same_picture(rgb, reference)


@FEW
@given(scale=st.floats(-35, 35))
@example(scale=-35.0)
@example(scale=35.0)
def test_sky_statistics_scale_with_the_data(scale):
    from astro_colorgan.background import estimate_background
    from astro_colorgan.composite import SkyPercentileInterval

    factor = 10.0 ** scale
    sky = (10 + np.random.default_rng(1).normal(0, 1, (48, 48))).astype(np.float32)
    scaled = (sky.astype(np.float64) * factor).astype(np.float32)
    limits = np.array(SkyPercentileInterval().get_limits(sky))
    np.testing.assert_allclose(SkyPercentileInterval().get_limits(scaled), limits * factor,
                               rtol=1e-4)
    background, rms = estimate_background(sky)
    scaled_background, scaled_rms = estimate_background(scaled)
    np.testing.assert_allclose(scaled_background / factor, background, rtol=1e-4)
    np.testing.assert_allclose(scaled_rms / factor, rms, rtol=1e-3)


# -- header keyword values -------------------------------------------------------------------

card_values = st.one_of(
    st.sampled_from(["NAN", "INF", "-INF", "'abc'", "T", "1e999", "'  '"]),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: repr(float(v))),
)


@FEW
@given(keyword=st.sampled_from(["CRVAL1", "CRVAL2", "CRPIX1", "CDELT2"]), value=card_values)
def test_wcs_keyword_values(keyword, value, inputs, tmp_path):
    """Whatever a WCS keyword holds, the image is read with that value or refused clearly."""
    from astro_colorgan.io import read_image

    path = _nan_card(inputs["r"], tmp_path / f"{keyword}.fits", keyword, value)
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not np.isfinite(number):
        with pytest.raises(ValueError, match=f"{keyword} is not a finite number"):
            read_image(path)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)  # a WCS wcslib cannot use
        image = read_image(path)
    if image.wcs is not None:
        axis = int(keyword[-1]) - 1
        attribute = {"CRVAL": "crval", "CRPIX": "crpix", "CDELT": "cdelt"}[keyword[:5]]
        assert getattr(image.wcs.wcs, attribute)[axis] == pytest.approx(number)


# -- the command line stays lean --------------------------------------------------------------


def test_cli_choices_match_the_library():
    from astro_colorgan.align import INTERPOLATION_ORDERS
    from astro_colorgan.batch._inputs import MODES
    from astro_colorgan.cli import _options
    from astro_colorgan.composite import STRETCHES

    assert _options.INTERPOLATION_ORDERS == INTERPOLATION_ORDERS
    assert _options.STACK_STRETCHES == STRETCHES
    assert _options.BATCH_MODES == MODES


def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys; from astro_colorgan.cli.main import main; "
            "status = main(['stack', '--help']); "
            "heavy = [m for m in ('torch', 'dask', 'reproject', 'photutils', 'scipy') "
            "if m in sys.modules]; print('HEAVY', heavy); sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout
    assert "--plane" in result.stdout and "--overwrite" in result.stdout


def test_every_device_option_defaults_to_auto():
    from astro_colorgan.cli.main import build_parser

    parser = build_parser()
    for command in ("colorize", "batch", "train"):
        options = parser.parse_args([command, "x", *{"colorize": ["-o", "o.fits"],
                                                     "batch": ["--out-dir", "d"],
                                                     "train": ["-o", "m"]}[command]])
        assert options.device == "auto", command


def test_bugs_show_their_traceback(monkeypatch, inputs, tmp_path):
    """A TypeError inside a command is a bug: it is not turned into a one-line error."""
    import astro_colorgan.composite as composite

    def broken(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(composite, "stack", broken)
    with pytest.raises(TypeError, match="a bug"):
        main(["stack", inputs["g"], inputs["r"], inputs["i"], "-o", str(tmp_path / "o.fits")])
