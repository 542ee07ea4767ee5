"""The one bad-input battery (issues 17 and 25): any flux scale, every bad input refused cleanly.

Each bad input of ``CASES`` goes through the command line in this process
(exit status 2, exactly one line ``astro-colorize: error: ...`` on standard
error, no traceback, no new file, every existing file unchanged) and, where
the API can be given the same input, the case of the same name in
``API_CASES`` through the API (the exception type and a one-line message,
nothing written): one checker for both, ``tests/_battery.py``.
Odd but valid inputs (any flux scale, non-ASCII file names, mixed units, tiny
images) must work. The slow part (interrupted subprocesses, an interrupted
training run, fresh-process determinism) is in ``test_bad_inputs_slow.py``.
"""

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

from _battery import expand, refused_by_api, refused_by_cli
from _stack_fields import three_filter_field

# every test here gets its examples from a fixed seed: the battery is the same each run
FEW = settings(max_examples=6, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])

# a whole stack per example: fewer of them
STACKS = settings(FEW, max_examples=3)

UNICODE_NAME = "ünï cødé space.fits"

# the inputs of the module's fixture, for the API cases that need more than their arguments
_INPUTS = {}


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
    paths["no_wcs"] = str(folder / "no_wcs.fits")
    fits.writeto(paths["no_wcs"], data)
    paths["far"] = str(folder / "far.fits")
    far = wcs.deepcopy()
    far.wcs.crval = [far.wcs.crval[0] + 1.0, far.wcs.crval[1]]
    fits.writeto(paths["far"], data, header=far.to_header())
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
    import torch
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
    int8 = {key: value.to(torch.int8) if value.is_floating_point() else value
            for key, value in tensors.items()}
    paths["int8_model"] = str(folder / "int8.safetensors")
    save_file(int8, paths["int8_model"], metadata=metadata)
    paths["list_config_model"] = str(folder / "list_config.safetensors")
    save_file(tensors, paths["list_config_model"], metadata=dict(metadata, config="[1, 2]"))
    cold = dict(json.loads(metadata["config"]), temperature=0.0)
    paths["cold_model"] = str(folder / "cold.safetensors")
    save_file(tensors, paths["cold_model"], metadata=dict(metadata, config=json.dumps(cold)))
    # outputs that are inputs: through links, a reference, a batch's own folder
    paths["link_fits"] = str(folder / "link_to_r.fits")
    os.symlink(paths["r"], paths["link_fits"])
    paths["link_png"] = str(folder / "link_to_r.png")
    os.symlink(paths["r"], paths["link_png"])
    paths["ref"] = str(folder / "reference.fits")
    shutil.copy(paths["r"], paths["ref"])
    paths["batch_dir"] = str(folder / "batch_in")
    os.mkdir(paths["batch_dir"])
    shutil.copy(paths["r"], os.path.join(paths["batch_dir"], "one.fits"))
    paths["toy"] = str(folder / "toy")
    os.mkdir(paths["toy"])
    from _colour_images import make_colour_images

    make_colour_images(__import__("pathlib").Path(paths["toy"]), n=4, size=32)
    for path in [folder / name for name in os.listdir(folder)]:
        if path.is_file() and not path.is_symlink():
            path.chmod(0o444)  # the battery must never write to its inputs
    _INPUTS.update({key: str(value) for key, value in paths.items()})
    return dict(_INPUTS)


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
                                  "--plane", "3"], "--plane 3 is out of range"),
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
                      "Q must be between 0.001 and 10000"),
    "stack --Q 0": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--Q", "0"],
                    "Q must be between 0.001 and 10000"),
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
                        "0"], "Q must be between 0.001 and 10000"),
    # batch: refused before a cluster starts or a folder is made
    "batch --tile 7": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}",
                        "--tile", "7", "--no-progress"], "tile must be a multiple of 16"),
    "batch --Q 0": (["batch", "{single}", "--out-dir", "@out", "--model", "{model}", "--Q", "0",
                     "--no-progress"], "Q must be between 0.001 and 10000"),
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

# the stack cases that test_cli_stack.py once held with a checker of its own
CASES.update({
    "stack several image HDUs": (["stack", "{sci}", "{r}", "{i}", "-o", "@o.fits", "--png",
                                  "@o.png"],
                                 r"holds several image HDUs \(1 SCI, 2 ERR\); choose one with "
                                 r"--hdu"),
    "stack no celestial WCS": (["stack", "{g}", "{no_wcs}", "{i}", "-o", "@o.fits"],
                               r"no_wcs\.fits\[0\] has no celestial WCS.*--no-wcs"),
    "stack non-overlapping": (["stack", "{g}", "{r}", "{far}", "-o", "@o.fits", "--png",
                               "@o.png"], "do not overlap on the sky"),
    "stack missing output folder": (["stack", "{g}", "{r}", "{i}", "-o", "@nowhere/o.fits"],
                                    "No such directory"),
    "stack output folder is a file": (["stack", "{g}", "{r}", "{i}", "-o",
                                       "@existing.fits/o.fits"], "Not a directory"),
    "stack existing --png": (["stack", "{g}", "{r}", "{i}", "-o", "@new.fits", "--png",
                              "@existing.png"], r"existing\.png already exists"),
    "stack --png not png": (["stack", "{g}", "{r}", "{i}", "-o", "@new.fits", "--png",
                             "@x.jpg"], "--png needs a .png file name"),
    "stack weights count": (["stack", "{g}", "{r}", "{i}", "-o", "@new.fits", "--weights",
                             "1,2"], r"2 weight\(s\) given"),
    "stack same outputs": (["stack", "{g}", "{r}", "{i}", "-o", "@x.png", "--png", "@x.png"],
                           "must be different files"),
})

# issue 25: outputs that are inputs, whatever --overwrite says
INPUT_IS_OUTPUT = {
    "colorize -o the input": (["colorize", "{single}", "-o", "{single}", "--overwrite",
                               "--model", "{model}"], "is an input"),
    "colorize -o a link to the input": (["colorize", "{single}", "-o", "{link_fits}",
                                         "--overwrite", "--model", "{model}"],
                                        r"link_to_r\.fits is an input \(.*field_r\.fits\)"),
    "colorize --png a link to the input": (["colorize", "{single}", "-o", "@o.fits", "--png",
                                            "{link_png}", "--overwrite", "--model", "{model}"],
                                           "is an input"),
    "colorize -o a --colour frame": (["colorize", "{single}", "--colour", "{g}", "{r}", "{i}",
                                      "-o", "{g}", "--overwrite", "--model", "{model}"],
                                     "is an input"),
    "stack -o a filter": (["stack", "{g}", "{r}", "{i}", "-o", "{g}", "--overwrite"],
                          "is an input"),
    "stack --png a link to a filter": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--png",
                                        "{link_png}", "--overwrite"], "is an input"),
    "stack -o the reference": (["stack", "{g}", "{r}", "{i}", "-o", "{ref}", "--reference",
                                "{ref}", "--overwrite"], "is an input"),
    "batch --out-dir the input folder": (["batch", "{batch_dir}/*.fits", "--out-dir",
                                          "{batch_dir}", "--overwrite", "--model", "{model}",
                                          "--no-progress"], "one.fits is an input"),
}
CASES.update(INPUT_IS_OUTPUT)

# issue 25: values at the ends of float32's range, models of the wrong kind, messages
CASES.update({
    "stack --Q 1e-40": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--Q", "1e-40"],
                        r"Q must be between 0\.001 and 10000"),
    "stack --Q 1e300": (["stack", "{g}", "{r}", "{i}", "-o", "@o.fits", "--Q", "1e300"],
                        r"Q must be between 0\.001 and 10000"),
    "colorize --Q 1e-40": (["colorize", "{single}", "-o", "@o.fits", "--model", "{model}",
                            "--Q", "1e-40"], r"Q must be between", "damaged"),
    "colorize --Q 1e300": (["colorize", "{single}", "-o", "@o.fits", "--model", "{model}",
                            "--Q", "1e300"], r"Q must be between", "damaged"),
    "colorize int8 model": (["colorize", "{single}", "-o", "@o.fits", "--model",
                             "{int8_model}"], r"holds int8 weights .*float"),
    "colorize model config a list": (["colorize", "{single}", "-o", "@o.fits", "--model",
                                      "{list_config_model}"],
                                     "configuration is not a JSON object", "pop expected"),
    "colorize model temperature 0": (["colorize", "{single}", "-o", "@o.fits", "--model",
                                      "{cold_model}"], "temperature must be positive",
                                     "damaged"),
    "colorize folder as --model": (["colorize", "{single}", "-o", "@o.fits", "--model",
                                    "{folder}"], "is a folder, not a model file",
                                   "No such model"),
    "train -o model.png": (["train", "{toy}", "-o", "@m.png", "--no-progress"],
                           r"m\.png: a model file name ends in \.safetensors"),
})

#: name: (call(inputs, folder), exception type, pattern the message must match[, not match])
API_CASES = {
    "stack weights all 0": (lambda p, out: _stack(p, weights=[0, 0, 0]), ValueError,
                            "weights are all 0"),
    "stack NaN CRVAL1": (lambda p, out: _stack(p, first=p["nan_crval"]), ValueError,
                         r"CRVAL1 is not a finite number \(NAN\)", "overlap"),
    "stack plane out of range": (lambda p, out: _stack(p, first=p["cube"],
                                                       plane=[3, None, None]),
                                 ValueError, "plane=3 is out of range"),
    "stack --Q 1e-40": (lambda p, out: _stack(p, Q=1e-40), ValueError,
                        r"Q must be between 0\.001 and 10000"),
    "stack --Q 1e300": (lambda p, out: _stack(p, Q=1e300), ValueError,
                        r"Q must be between 0\.001 and 10000"),
    "stack missing file": (lambda p, out: _stack(p, first=os.path.join(out, "missing.fits")),
                           FileNotFoundError, r"No such file: .*missing\.fits$"),
    "stack text file": (lambda p, out: _stack(p, first=p["text"]), OSError,
                        "Not a FITS file or corrupt"),
    "stack 3-D cube": (lambda p, out: _stack(p, first=p["cube"]), ValueError,
                       r"3-D image .*plane= \(0 to 2\)"),
    "stack truncated file": (lambda p, out: _read_image(p["truncated"]), OSError,
                             "Truncated FITS file|Cannot read the data"),
    "stack empty file": (lambda p, out: _read_image(p["empty"]), OSError,
                         "Not a FITS file or corrupt"),
    "stack table only": (lambda p, out: _read_image(p["table"]), ValueError,
                         r"table\.fits holds no image HDU"),
    "stack several image HDUs": (lambda p, out: _read_image(p["sci"]), ValueError,
                                 r"sci_err\.fits holds several image HDUs \(1 SCI, 2 ERR\); "
                                 "choose one with hdu="),
    "stack no celestial WCS": (lambda p, out: _read_image(p["no_wcs"], allow_no_wcs=False),
                               ValueError, r"no_wcs\.fits\[0\] has no celestial WCS"),
    "stack non-overlapping": (lambda p, out: _stack(p, first=p["far"]), ValueError,
                              "do not overlap on the sky"),
    "stack missing output folder": (lambda p, out: _check_output(out, "nowhere/o.fits"),
                                    FileNotFoundError, "No such directory"),
    "stack output folder is a file": (lambda p, out: _check_output(out, "existing.fits/o.fits"),
                                      NotADirectoryError, "Not a directory"),
    "stack existing output": (lambda p, out: _check_output(out, "existing.fits"),
                              FileExistsError, "already exists; use overwrite=True"),
    "stack weights count": (lambda p, out: _stack(p, weights=[1, 2]), ValueError,
                            r"2 weight\(s\) given for 3 filter\(s\)"),
    "stack same outputs": (lambda p, out: _check_outputs(out, ["x.png", "x.png"]), ValueError,
                           "must be different files"),
    "read_image HDU that holds no image": (lambda p, out: _read_image(p["table"], hdu=1),
                                           ValueError, r"HDU 1 of table\.fits holds no image"),
    "read_image HDU out of range": (lambda p, out: _read_image(p["table"], hdu=5), ValueError,
                                    "has no HDU 5"),
    "read_image missing file[1]": (lambda p, out: _read_image(os.path.join(out, "m.fits[1]")),
                                   FileNotFoundError, "No such file"),
    "write to a folder": (lambda p, out: _check_output(out, ""), IsADirectoryError,
                          "Output path is a directory"),
    "stack --hdu against [SCI]": (lambda p, out: _read_image(p["sci"] + "[SCI]", hdu=2), ValueError,
                                  "give only one of them"),
    "stack all NaN": (lambda p, out: _stack(p, first=p["all_nan"]), ValueError,
                      "holds no valid pixel"),
    "colorize -o .png": (lambda p, out: _colorizer(p["model"]).colorize_file(
        p["single"], os.path.join(out, "o.png")), ValueError, "is not a FITS file name"),
    "colorize -o .jpg": (lambda p, out: _colorizer(p["model"], tta=True).colorize_file(
        p["single"], os.path.join(out, "o.jpg")), ValueError, "is not a FITS file name"),
    "colorize existing output": (lambda p, out: _colorizer(p["model"]).colorize_file(
        p["single"], os.path.join(out, "existing.fits")), FileExistsError,
        "already exists; use overwrite=True"),
    "colorize NaN weights": (lambda p, out: _load_model(p["nan_model"]), ValueError,
                             r"holds non-finite weights \(NaN or infinity in generator\..*"
                             r"diverged$"),
    "colorize text model": (lambda p, out: _load_model(p["text_model"]), OSError,
                            "not a readable safetensors model file"),
    "colorize other architecture": (lambda p, out: _load_model(p["other_model"]), ValueError,
                                    r"another architecture: .*(\w \.\.\.|[^.])$"),
    "colorize -o the input": (lambda p, out: _colorizer(p["model"]).colorize_file(
        p["single"], p["single"], overwrite=True), ValueError, "is an input"),
    "colorize -o a link to the input": (lambda p, out: _colorizer(p["model"]).colorize_file(
        p["single"], p["link_fits"], overwrite=True), ValueError, "is an input"),
    "colorize -o a --colour frame": (lambda p, out: _colorizer(p["model"]).colorize_file(
        p["single"], p["g"], colour=[p["g"], p["r"], p["i"]], overwrite=True), ValueError,
        "is an input"),
    "colorize --Q 1e-40": (lambda p, out: _colorizer(p["model"], Q=1e-40), ValueError,
                           "Q must be between"),
    "colorize --Q 1e300": (lambda p, out: _colorizer(p["model"], Q=1e300), ValueError,
                           "Q must be between"),
    "colorize int8 model": (lambda p, out: _load_model(p["int8_model"]), ValueError,
                            r"holds int8 weights .*float"),
    "colorize model config a list": (lambda p, out: _load_model(p["list_config_model"]),
                                     ValueError, "configuration is not a JSON object"),
    "colorize model temperature 0": (lambda p, out: _load_model(p["cold_model"]), ValueError,
                                     "temperature must be positive", "damaged"),
    "colorize folder as --model": (lambda p, out: _load_model(p["folder"]), IsADirectoryError,
                                   "is a folder, not a model file"),
    "batch --out-dir the input folder": (lambda p, out: _batch(
        [os.path.join(p["batch_dir"], "*.fits")], p["batch_dir"], overwrite=True),
        ValueError, "one.fits is an input"),
    "batch --tile 7": (lambda p, out: _batch([p["single"]], os.path.join(out, "out"),
                                             colorize_options={"tile": 7}),
                       ValueError, "tile must be a multiple of 16"),
    "batch --Q 0": (lambda p, out: _batch([p["single"]], os.path.join(out, "out"),
                                          colorize_options={"Q": 0.0}),
                    ValueError, "Q must be between 0.001 and 10000"),
    "batch --workers 0": (lambda p, out: _batch([p["single"]], os.path.join(out, "out"),
                                                workers=0), ValueError, "workers must be"),
    "train -o model.png": (lambda p, out: _train(p["toy"], os.path.join(out, "m.png")),
                           ValueError, r"m\.png: a model file name ends in \.safetensors"),
    "train --resume random bytes": (lambda p, out: _train(
        p["toy"], os.path.join(out, "m.safetensors"), resume=p["random_ckpt"]), ValueError,
        "is not a training checkpoint"),
}


def _stack(p, *, first=None, **options):
    from astro_colorgan import stack

    return stack([first or p["g"], p["r"], p["i"]], **options)


def _check_output(folder, name):
    from astro_colorgan.io import check_output_path

    return check_output_path(os.path.join(folder, name))


def _check_outputs(folder, names, **options):
    from astro_colorgan.io._files import check_outputs

    return check_outputs([os.path.join(folder, name) for name in names], **options)


def _read_image(data, **options):
    from astro_colorgan.io import read_image

    return read_image(data, **options)


def _load_model(path):
    from astro_colorgan.nets import load_model

    return load_model(path)


def _batch(inputs, out_dir, **options):
    from astro_colorgan.batch import run_batch

    options.setdefault("progress", False)
    return run_batch(inputs, out_dir, model=_INPUTS["model"], **options)


def _train(folder, output, **options):
    from astro_colorgan.training import train

    return train(folder, output, progress=False, **options)


# the environment: SOURCE_DATE_EPOCH is read while libraries are imported
EPOCH_CASES = ["abc", "1.5", "123456789012345678901", "-5"]


ROUTES = [(case, "cli") for case in CASES] + [(case, "api") for case in API_CASES]


@pytest.mark.parametrize("case,route", ROUTES, ids=[f"{route}: {case}" for case, route in ROUTES])
def test_bad_input_is_refused(case, route, inputs, tmp_path, capsys):
    """Each bad input, through the command line and (where it can be given) the API."""
    (tmp_path / "existing.fits").write_bytes(b"keep me")
    (tmp_path / "existing.png").write_bytes(b"old png")
    folders = (tmp_path, os.path.dirname(inputs["g"]))
    if route == "cli":
        arguments, pattern, *forbidden = CASES[case]
        refused_by_cli(capsys, expand(arguments, inputs, str(tmp_path)), pattern,
                       forbidden[0] if forbidden else None, folders=folders)
    else:
        call, error, pattern, *forbidden = API_CASES[case]
        refused_by_api(lambda: call(inputs, str(tmp_path)), error, pattern,
                       forbidden[0] if forbidden else None, folders=folders)


@pytest.mark.parametrize("epoch", EPOCH_CASES)
def test_malformed_source_date_epoch(epoch, inputs, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    refused_by_cli(capsys, ["stack", inputs["g"], inputs["r"], inputs["i"], "-o",
                      str(tmp_path / "o.fits")], "SOURCE_DATE_EPOCH must be a whole number",
             folders=(tmp_path,))
    from astro_colorgan.io import provenance_history

    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH must be a whole number"):
        provenance_history("stack", [], {})


def test_cases_cover_the_issues():
    """Issue 17's 40 cases and issue 25's: the input as output, Q, models, the stack cases."""
    assert len(CASES) + len(EPOCH_CASES) >= 80
    assert len(API_CASES) >= 45
    assert set(INPUT_IS_OUTPUT) <= set(CASES)


def test_train_on_sigterm_exits_143(inputs, tmp_path, capsys, monkeypatch):
    """SIGTERM during training: a checkpoint, then exit status 143 (not Ctrl-C's 130)."""
    import signal

    import astro_colorgan.training._trainer as trainer

    step = trainer.optimisation_step

    def terminated_step(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return step(*args, **kwargs)

    monkeypatch.setattr(trainer, "optimisation_step", terminated_step)
    status = main(["train", inputs["toy"], "-o", str(tmp_path / "m.safetensors"), "--preset",
                   "l1-only", "--epochs", "1", "--batch-size", "4", "--crop", "32",
                   "--device", "cpu", "--no-progress", "--workdir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 143, err
    assert (tmp_path / "run" / "checkpoint.pt").exists()
    assert not (tmp_path / "m.safetensors").exists()


# -- the same inputs through the API ---------------------------------------------------------


def test_api_read_image_refusals(inputs):
    """read_image's refusals of arrays and WCS objects (no command line gives these)."""
    from astro_colorgan.io import read_image

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


def test_api_interval_refusals():
    from astro_colorgan.composite import SkyPercentileInterval

    for bad in (np.nan, -1.0, np.inf):
        with pytest.raises(ValueError, match="min_snr must be finite and not negative"):
            SkyPercentileInterval(min_snr=bad)
        with pytest.raises(ValueError, match="sky_sigma must be finite and not negative"):
            SkyPercentileInterval(sky_sigma=bad)


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


def test_api_batch_refuses_before_anything_starts(inputs, tmp_path):
    from astro_colorgan.batch import run_batch

    out = tmp_path / "out"
    for options, pattern in (({"overlap": -1}, "overlap must be between"),
                             ({"stretch": "cubic"}, "unknown stretch")):
        with pytest.raises(ValueError, match=pattern):
            run_batch([inputs["single"]], out, model=inputs["model"], progress=False,
                      colorize_options=options)
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


@pytest.fixture(scope="module")
def sip_image(tmp_path_factory):
    """An HST-like image: RA---TAN-SIP, about 1.4 pixels of distortion at the corners."""
    from astropy.wcs import Sip

    folder = tmp_path_factory.mktemp("sip")
    filters, _ = three_filter_field(sky=(1.0, 2.0, 3.0))
    data, wcs = filters[1]
    wcs = wcs.deepcopy()
    wcs.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
    a, b = np.zeros((3, 3)), np.zeros((3, 3))
    a[2, 0], a[1, 1], b[0, 2], b[1, 1] = 4e-4, -2e-4, 3e-4, 1e-4
    wcs.sip = Sip(a, b, None, None, wcs.wcs.crpix)
    path = folder / "sip.fits"
    fits.writeto(path, data, header=wcs.to_header(relax=True))
    return str(path)


def _corners_agree(written, source):
    """The sky positions of the 4 corner pixels of ``written`` and ``source`` agree to 1e-3"."""
    from astropy.wcs import WCS

    header = fits.getheader(written)
    assert header["CTYPE1"].endswith("-SIP") and "A_2_0" in header and "B_0_2" in header
    # astropy reads SIP in 2-D only: the cube's first two axes (its third is the colour)
    out_wcs, in_wcs = WCS(header, naxis=2), WCS(fits.getheader(source))
    ny, nx = fits.getdata(source).shape
    x, y = np.array([0, nx - 1, 0, nx - 1]), np.array([0, 0, ny - 1, ny - 1])
    separation = out_wcs.pixel_to_world(x, y).separation(in_wcs.pixel_to_world(x, y))
    assert separation.arcsec.max() <= 1e-3, separation.arcsec


@pytest.mark.parametrize("route", ["cli", "api"])
def test_colorize_keeps_sip_distortion(route, sip_image, tiny_model_path, tmp_path, capsys):
    out = tmp_path / "colour.fits"
    if route == "cli":
        assert main(["colorize", sip_image, "-o", str(out), "--model", str(tiny_model_path)]) \
            == 0, capsys.readouterr().err
    else:
        _colorizer(tiny_model_path).colorize(sip_image).write_fits(out)
    _corners_agree(out, sip_image)
    from astro_colorgan.io import read_image

    assert read_image(str(out), plane=0).wcs.sip is not None  # and reads back


@pytest.mark.parametrize("route", ["cli", "api"])
def test_stack_reference_keeps_sip_distortion(route, sip_image, inputs, tmp_path, capsys):
    from astro_colorgan import stack

    out = tmp_path / "rgb.fits"
    filters = [inputs[band] for band in "gri"]
    if route == "cli":
        assert main(["stack", *filters, "--reference", sip_image, "-o", str(out)]) == 0, \
            capsys.readouterr().err
    else:
        stack(filters, reference=sip_image).write_fits(out)
    _corners_agree(out, sip_image)


@pytest.fixture(scope="module")
def uint16_blank(tmp_path_factory):
    """Three uint16 filters (BITPIX 16, BZERO 32768) with BLANK set, 400 blank pixels each."""
    folder = tmp_path_factory.mktemp("uint16")
    filters, _ = three_filter_field(sky=(1.0, 2.0, 3.0))
    data, wcs = filters[1]  # one grid: the blank pixels of the three coincide
    paths, blanks = [], []
    for band, factor in zip("gri", (0.8, 1.0, 1.3)):
        counts = np.clip(1000 + 200 * factor * data, 1, 65535).astype(np.uint16)
        blank = np.zeros(data.shape, bool)
        blank[10:30, 20:40] = True
        counts[blank] = 0
        hdu = fits.PrimaryHDU(counts, header=wcs.to_header())
        hdu.header["BLANK"] = -32768  # stored value of the physical 0
        path = folder / f"counts_{band}.fits"
        hdu.writeto(path)
        paths.append(str(path))
        blanks.append(blank)
    header = fits.getheader(paths[1])
    assert header["BITPIX"] == 16 and header["BZERO"] == 32768 and header["BLANK"] == -32768
    return paths, blanks


@pytest.mark.parametrize("route", ["read_image", "colorize", "colorize_file", "cli colorize",
                                   "stack", "cli stack"])
def test_uint16_blank_pixels_are_nan(route, uint16_blank, tiny_model_path, tmp_path, capsys):
    from astro_colorgan import stack
    from astro_colorgan.io import read_image

    paths, blanks = uint16_blank
    out = tmp_path / "out.fits"
    if route == "read_image":
        image = read_image(paths[1])
        assert np.array_equal(image.mask, blanks[1])
        assert np.array_equal(np.isnan(image.data), blanks[1])
        return
    if route == "colorize":
        _colorizer(tiny_model_path).colorize(paths[1]).write_fits(out)
    elif route == "colorize_file":
        _colorizer(tiny_model_path).colorize_file(paths[1], out)
    elif route == "cli colorize":
        assert main(["colorize", paths[1], "-o", str(out), "--model",
                     str(tiny_model_path)]) == 0, capsys.readouterr().err
    elif route == "stack":
        stack(paths, reference=paths[1]).write_fits(out)
    else:
        assert main(["stack", *paths, "--reference", paths[1], "-o", str(out)]) == 0, \
            capsys.readouterr().err
    cube = fits.getdata(out)
    assert np.isnan(cube[:, blanks[1]]).all()
    assert np.isfinite(cube[:, ~blanks[1]]).mean() > 0.9


@pytest.mark.parametrize("route", ["cli stack", "cli colorize", "api"])
def test_gzip_outputs_are_reproducible(route, inputs, tiny_model_path, tmp_path, capsys,
                                       monkeypatch):
    """.fits.gz byte for byte under SOURCE_DATE_EPOCH: no wall-clock time, no temporary's name
    in the gzip header (and colorize writes .fits.gz without --png, band by band)."""
    import gzip
    import time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    written = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        out = tmp_path / run / "out.fits.gz"
        if route == "cli stack":
            status = main(["stack", inputs["g"], inputs["r"], inputs["i"], "-o", str(out)])
        elif route == "cli colorize":
            status = main(["colorize", inputs["single"], "-o", str(out), "--model",
                           str(tiny_model_path)])
        else:
            from astro_colorgan.io import make_rgb_hdu, write_fits

            status = write_fits(make_rgb_hdu(np.zeros((4, 5, 3))), out)
        assert status in (0, None), capsys.readouterr().err
        written.append(out.read_bytes())
        time.sleep(1.1)  # a wall-clock time would differ
    assert written[0] == written[1]
    with gzip.open(tmp_path / "a" / "out.fits.gz") as handle:
        fits.HDUList.fromstring(handle.read()).verify("exception")
    assert b".tmp-" not in written[0][:200]


def _failing_second_output(monkeypatch, error):
    """Make the PNG writer fail (disk full, a signal) once the FITS file is written."""
    from PIL import Image

    def save(self, fp, *args, **kwargs):
        with open(fp, "wb") as handle:
            handle.write(b"\x89PNG partial")
        raise error

    monkeypatch.setattr(Image.Image, "save", save)


@pytest.mark.parametrize("command", ["stack", "colorize"])
def test_two_outputs_appear_together_or_not_at_all(command, inputs, tiny_model_path, tmp_path,
                                                   capsys, monkeypatch):
    """-o x.fits --png x.png failing on the PNG (disk full) leaves neither; the rerun works."""
    import errno

    out, png = tmp_path / "x.fits", tmp_path / "x.png"
    argv = ([command, inputs["g"], inputs["r"], inputs["i"]] if command == "stack" else
            [command, inputs["single"], "--model", str(tiny_model_path)])
    argv += ["-o", str(out), "--png", str(png)]
    with monkeypatch.context() as patch:
        _failing_second_output(patch, OSError(errno.ENOSPC, "No space left on device"))
        refused_by_cli(capsys, argv, r"Cannot write .*x\.png: No space left on device$",
                       folders=(tmp_path,))
    assert os.listdir(tmp_path) == []
    assert main(argv) == 0, capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["x.fits", "x.png"]


@pytest.mark.parametrize("error,status", [("Terminated", 143), ("KeyboardInterrupt", 130)])
def test_interrupted_between_two_outputs_leaves_neither(error, status, inputs, tmp_path,
                                                        capsys, monkeypatch):
    from astro_colorgan.io._signals import Terminated

    exception = Terminated("terminated by signal 15") if error == "Terminated" \
        else KeyboardInterrupt()
    _failing_second_output(monkeypatch, exception)
    out, png = tmp_path / "x.fits", tmp_path / "x.png"
    assert main(["stack", inputs["g"], inputs["r"], inputs["i"], "-o", str(out), "--png",
                 str(png)]) == status
    capsys.readouterr()
    assert os.listdir(tmp_path) == []


def test_full_disk_without_errno_names_the_file(tmp_path, monkeypatch):
    """numpy's "602112 requested and 23560 written" becomes a message that names the file."""
    from astro_colorgan.io import make_rgb_hdu, write_fits

    def failing_writeto(self, name, **kwargs):
        raise OSError("602112 requested and 23560 written")

    monkeypatch.setattr(fits.HDUList, "writeto", failing_writeto)
    refused_by_api(lambda: write_fits(make_rgb_hdu(np.zeros((4, 5, 3))), tmp_path / "o.fits"),
                   OSError, r"^Cannot write .*o\.fits: .*602112 requested", folders=(tmp_path,))


@pytest.mark.parametrize("command", ["stack", "colorize", "train"])
def test_long_legal_file_names_are_written(command, inputs, tiny_model_path, tmp_path, capsys):
    """A 245-character file name (NAME_MAX is 255): the temporary's name stays short."""
    if command == "train":
        out = tmp_path / ("m" * 233 + ".safetensors")
        argv = ["train", inputs["toy"], "-o", str(out), "--preset", "l1-only", "--epochs", "1",
                "--batch-size", "4", "--crop", "32", "--device", "cpu", "--no-progress",
                "--workdir", str(tmp_path / "run")]
    else:
        out = tmp_path / ("a" * 240 + ".fits")
        argv = ([command, inputs["g"], inputs["r"], inputs["i"]] if command == "stack" else
                [command, inputs["single"], "--model", str(tiny_model_path)]) + ["-o", str(out)]
    assert len(out.name) == 245
    assert main(argv) == 0, capsys.readouterr().err
    assert out.exists() and not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]


def test_batch_list_file_names_a_file_with_a_space(inputs, tmp_path):
    from astro_colorgan.batch._inputs import expand_inputs

    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{inputs['unicode']}\n# a comment\n{inputs['g']}\n")
    jobs = expand_inputs([str(listing)])
    assert [job.sources for job in jobs] == [(inputs["unicode"],), (inputs["g"],)]
    assert jobs[0].name == UNICODE_NAME[:-5]
    groups = tmp_path / "fields.txt"
    groups.write_text(f"'{inputs['unicode']}' {inputs['g']} {inputs['i']}\n")
    jobs = expand_inputs([str(groups)], mode="stack-then-colorize")
    assert jobs[0].sources == (inputs["unicode"], inputs["g"], inputs["i"])


def test_one_list_of_fits_endings(tmp_path):
    """read_color_image, is_fits_name and the batch all know .fit.gz and .fts.gz."""
    from astro_colorgan.datasets import read_color_image
    from astro_colorgan.io._files import FITS_EXTENSIONS, fits_stem, is_fits_name

    assert set(FITS_EXTENSIONS) == {e + gz for e in (".fits", ".fit", ".fts") for gz in ("", ".gz")}
    cube = np.random.default_rng(0).uniform(0, 1, (3, 20, 24)).astype(np.float32)
    for ending in FITS_EXTENSIONS:
        path = tmp_path / f"x{ending.upper() if ending == '.fts' else ending}"
        fits.writeto(path, cube)
        assert is_fits_name(path) and fits_stem(path.name) == "x"
        assert read_color_image(str(path)).shape == (20, 24, 3), ending


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
@example(scale=(-38.0, np.float32))
@example(scale=(-40.0, np.float32))  # subnormal float32 (issue 25)
def test_stack_any_flux_scale(scale, field, field_reference):
    from astro_colorgan import stack

    exponent, dtype = scale
    factor = 10.0 ** exponent
    scaled = [((data.astype(np.float64) * factor).astype(dtype), wcs) for data, wcs in field]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Mean of empty slice", no overflow
        rgb = stack(scaled).rgb
    _same_picture(rgb, field_reference)


@pytest.mark.parametrize("route", ["cli", "api"])
def test_stack_tiny_weights_give_the_same_picture(route, field, field_reference, tmp_path,
                                                  capsys):
    """--weights 1e-40,1e-40,1e-40 (subnormal in float32) is the unweighted picture."""
    from astro_colorgan import stack

    if route == "api":
        rgb = stack(field, weights=[1e-40] * 3).rgb
    else:
        paths = []
        for band, (data, wcs) in zip("gri", field):
            paths.append(str(tmp_path / f"{band}.fits"))
            fits.writeto(paths[-1], data, header=wcs.to_header())
        out = tmp_path / "rgb.fits"
        assert main(["stack", *paths, "-o", str(out), "--weights", "1e-40,1e-40,1e-40"]) == 0, \
            capsys.readouterr().err
        rgb = np.moveaxis(fits.getdata(out), 0, -1)
    _same_picture(rgb, field_reference)


def test_stack_sinh_any_flux_scale(field):
    """--stretch sinh on data times 1e-25 (and 1e-40): no holes, the same picture."""
    from astro_colorgan import stack

    reference = stack(field, stretch="sinh").rgb
    for factor in (1e-25, 1e-40):
        scaled = [((data.astype(np.float64) * factor).astype(np.float32), wcs)
                  for data, wcs in field]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _same_picture(stack(scaled, stretch="sinh").rgb, reference)


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
