"""The edges a new user hits on the command line (issue 26): option order, ``-q``/``-v``
after the subcommand, ``python -m astro_colorgan``, messages that name options, the
``samples`` subcommand and progress bars only on a terminal."""

import ast
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy import log
from astropy.io import fits

import astro_colorgan
from astro_colorgan.cli import main
from astro_colorgan.cli.main import cli_message
from astro_colorgan.data import SAMPLES, get_sample_path


@pytest.fixture
def log_level():
    """The astropy log level, restored after the test (the command sets it)."""
    level = log.level
    yield
    log.setLevel(level)


@pytest.fixture
def samples(tmp_path):
    """The sample files, written by ``astro-colorize samples``."""
    folder = tmp_path / "samples"
    assert main(["samples", str(folder), "-q"]) == 0
    return {name[len("sample_"):-len(".fits")]: str(folder / name) for name in SAMPLES}


def test_samples_writes_the_shipped_files(tmp_path, capsys, log_level):
    folder = tmp_path / "new" / "samples"  # created with its parents
    assert main(["samples", str(folder)]) == 0
    assert sorted(os.listdir(folder)) == sorted(SAMPLES)
    for name in SAMPLES:
        assert (folder / name).read_bytes() == Path(get_sample_path(name)).read_bytes()
    captured = capsys.readouterr()
    assert "sample_single.fits" in captured.out + captured.err
    # existing files are kept, and the refusal names the option
    assert main(["samples", str(folder)]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("astro-colorize: error: File ")
    assert line.endswith("use --overwrite to replace it"), line
    assert main(["samples", str(folder), "--overwrite", "-q"]) == 0
    (tmp_path / "file").write_text("x")
    assert main(["samples", str(tmp_path / "file")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_colour_before_the_input(samples, tmp_path, tiny_guided_model_path, log_level):
    """``--colour`` takes several values; the last one is the input when IN is missing."""
    colour = [samples["g"], samples["r"], samples["i"]]
    common = ["--model", str(tiny_guided_model_path), "--device", "cpu", "-q"]
    first = tmp_path / "first.fits"
    assert main(["colorize", samples["r"], "--colour", *colour, "-o", str(first),
                 *common]) == 0
    for k, argv in enumerate([
            ["--colour", *colour, samples["r"], "-o", "{out}"],
            ["-o", "{out}", "--colour", *colour, samples["r"]],
            ["--colour", *colour, "-o", "{out}", samples["r"]]]):
        out = tmp_path / f"order{k}.fits"
        argv = [str(out) if item == "{out}" else item for item in argv]
        assert main(["colorize", *argv, *common]) == 0, argv
        with fits.open(first) as a, fits.open(out) as b:
            assert np.array_equal(a[0].data, b[0].data, equal_nan=True)
            assert [hdu.name for hdu in a] == [hdu.name for hdu in b]


def test_one_value_is_not_taken_for_the_input(samples, tmp_path, capsys):
    status = main(["colorize", "--colour", samples["g"], "-o", str(tmp_path / "o.fits")])
    assert status == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "the following arguments are required: IN" in line
    assert not (tmp_path / "o.fits").exists()


def test_stack_positionals_between_options(samples, tmp_path, log_level):
    out = tmp_path / "o.fits"
    assert main(["stack", samples["g"], "-o", str(out), samples["r"], "--no-background",
                 samples["i"], "-q"]) == 0
    assert fits.getheader(out)["NAXIS3"] == 3
    assert main(["-q", "stack", samples["g"], samples["r"], samples["i"], "--no-background",
                 "-o", str(tmp_path / "same.fits")]) == 0
    assert np.array_equal(fits.getdata(out), fits.getdata(tmp_path / "same.fits"),
                          equal_nan=True)


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose_before_or_after_the_subcommand(where, tmp_path, capsys,
                                                          log_level):
    def run(flag, name):
        argv = ["samples", str(tmp_path / name)]
        argv = [flag, *argv] if where == "before" else [*argv, flag]
        assert main(argv) == 0
        captured = capsys.readouterr()
        return captured.out + captured.err

    assert "wrote" not in run("-q", "a")
    assert log.level == 30  # WARNING
    assert "wrote" in run("--verbose", "b")
    assert log.level == 10  # DEBUG
    assert "wrote" in run("-v", "c")


def test_quiet_before_is_kept_after_the_subcommand(tmp_path, capsys, log_level):
    from astro_colorgan.cli.main import build_parser

    options = build_parser().parse_args(["-q", "samples", str(tmp_path)])
    assert options.quiet and not options.verbose
    options = build_parser().parse_args(["samples", str(tmp_path), "-v"])
    assert options.verbose and not options.quiet


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "astro_colorgan", "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"astro-colorize {astro_colorgan.__version__}"
    result = subprocess.run([sys.executable, "-m", "astro_colorgan", "colorize",
                             str(tmp_path / "missing.fits"), "-o", str(tmp_path / "o.fits")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("astro-colorize: error:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("message, expected", [
    ("File a.fits already exists; use overwrite=True to replace it",
     "File a.fits already exists; use --overwrite to replace it"),
    ("File a.fits already exists; use overwrite=True (--overwrite) to replace it",
     "File a.fits already exists; use --overwrite to replace it"),
    ("x has no celestial WCS; pass allow_no_wcs=True (--no-wcs) if all filters share one "
     "grid", "x has no celestial WCS; pass --no-wcs if all filters share one grid"),
    ("choose a reference grid (reference= / --reference)", "choose a reference grid "
     "(--reference)"),
    ("a.fits holds several image HDUs (1 SCI, 2 ERR); choose one with hdu=",
     "a.fits holds several image HDUs (1 SCI, 2 ERR); choose one with --hdu"),
    ("a.fits[SCI] selects HDU 'SCI' but hdu= asks for 2: give only one of them",
     "a.fits[SCI] selects HDU 'SCI' but --hdu asks for 2: give only one of them"),
    ("choose a plane with plane= (0 to 2)", "choose a plane with --plane (0 to 2)"),
    ("plane=5 is out of range for a.fits (3 planes)",
     "--plane 5 is out of range for a.fits (3 planes)"),
])
def test_cli_message_names_options(message, expected):
    assert cli_message(message) == expected


def test_library_says_keywords_and_the_command_says_options(tmp_path, capsys):
    from astro_colorgan.io import write_fits

    path = tmp_path / "a.fits"
    write_fits(fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4), np.float32))]), path)
    with pytest.raises(FileExistsError) as info:
        write_fits(fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4), np.float32))]), path)
    assert str(info.value).endswith("use overwrite=True to replace it")
    cube = tmp_path / "cube.fits"
    fits.writeto(cube, np.zeros((3, 8, 8), np.float32))
    assert main(["colorize", str(cube), "-o", str(tmp_path / "o.fits")]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.search(r"choose a plane with --plane \(0 to 2\)$", line), line
    assert main(["colorize", str(cube), "-o", str(tmp_path / "o.png")]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "write a PNG image with --png FILE" in line and "write_" not in line


def _raised_messages(folder):
    """The string constants of every ``raise`` under a package folder."""
    for path in sorted(Path(folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for part in ast.walk(node.exc):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        yield path.name, part.value


@pytest.mark.parametrize("package", ["io", "colorize", "composite"])
def test_library_messages_name_no_options(package):
    """Library errors speak of keyword arguments; only the CLI names its flags."""
    folder = Path(astro_colorgan.__file__).parent / package
    offending = [(name, text) for name, text in _raised_messages(folder)
                 if re.search(r"(?<![\w-])--[a-z]|\((write|read)_\w+\)", text)]
    assert not offending


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_and_when_shown(monkeypatch, log_level):
    from astro_colorgan._progress import progress, show_progress

    log.setLevel("INFO")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(progress(range(5))) == list(range(5))
    assert terminal.getvalue() == ""  # library calls show nothing by default
    with show_progress():
        assert list(progress(range(5))) == list(range(5))
        assert "5/5" in terminal.getvalue().replace(" ", "")
        shown = terminal.getvalue()
        list(progress(range(1)))  # one step: no bar
        log.setLevel("WARNING")  # -q
        list(progress(range(5)))
        assert terminal.getvalue() == shown
    log.setLevel("INFO")
    pipe = io.StringIO()  # not a terminal
    monkeypatch.setattr(sys, "stderr", pipe)
    with show_progress():
        list(progress(range(5)))
    assert pipe.getvalue() == ""


def test_colorize_shows_tiles_on_a_terminal(monkeypatch, tiny_model_path, log_level):
    from astro_colorgan import Colorizer
    from astro_colorgan._progress import show_progress

    log.setLevel("INFO")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    image = np.random.default_rng(0).random((96, 96)).astype(np.float32)
    colorizer = Colorizer(tiny_model_path, device="cpu", tile=32, overlap=8, margin=8)
    with show_progress():
        colorizer.colorize(image)
    assert re.search(r"(\d+) / \1", terminal.getvalue()), terminal.getvalue()[-200:]
