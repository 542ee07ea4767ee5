"""The slow part of the robustness battery (issue 17): interruptions and fresh processes.

Run with ``python -m pytest tests -m slow --run-slow``.
"""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from astropy.io import fits

from astro_colorgan.data import get_sample_path

pytestmark = pytest.mark.slow

# one thread per process: the same floating-point sums in every run
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
CLI = [sys.executable, "-m", "astro_colorgan.cli"]


def _start(arguments, env=ENV):
    return subprocess.Popen(CLI + [str(item) for item in arguments], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(arguments, env=ENV, timeout=600):
    result = subprocess.run(CLI + [str(item) for item in arguments], env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result


def _temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith(".tmp-"))


@pytest.fixture(scope="module")
def big_image(tmp_path_factory):
    """A 384 x 384 image with WCS: 49 tiles of 64 pixels, written band by band."""
    folder = tmp_path_factory.mktemp("big")
    with fits.open(get_sample_path("sample_single.fits")) as hdul:
        data, header = hdul[0].data.astype(np.float32), hdul[0].header.copy()
    reps = (-(-384 // data.shape[0]), -(-384 // data.shape[1]))
    big = np.tile(data, reps)[:384, :384]
    path = folder / "big.fits"
    fits.writeto(path, big, header=header)
    return path


def test_interrupted_colorize_leaves_nothing_behind(big_image, tiny_model_path, tmp_path):
    """SIGKILL, SIGTERM and SIGINT at random moments: the output is absent or whole, and the
    next run leaves no temporary file."""
    arguments = ["colorize", big_image, "--model", tiny_model_path, "--device", "cpu",
                 "--tile", "64", "--overlap", "8"]
    reference = tmp_path / "reference.fits"
    start = time.monotonic()
    _run(arguments + ["-o", reference])
    duration = time.monotonic() - start
    expected = fits.getdata(reference)
    out = tmp_path / "out.fits"
    rng = random.Random(17)
    outcomes = []
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT) * 2:
        process = _start(arguments + ["-o", out, "--overwrite"])
        time.sleep(rng.uniform(0.2, duration))
        process.send_signal(sig)
        _, err = process.communicate(timeout=600)
        outcomes.append((sig.name, process.returncode))
        assert "Traceback" not in err or sig == signal.SIGINT, err
        if process.returncode == 0:
            pass  # finished before the signal
        elif sig == signal.SIGTERM:
            assert process.returncode in (143, -signal.SIGTERM), err
        if sig != signal.SIGKILL:  # the process cleaned up after itself
            assert not [name for name in _temporaries(tmp_path)
                        if f".{process.pid}-" in name], (sig, err)
        if out.exists():
            with fits.open(out) as hdul:
                hdul.verify("exception")
                np.testing.assert_array_equal(hdul[0].data, expected)
    # a later run to the same target removes what killed runs left
    _run(arguments + ["-o", out, "--overwrite"])
    assert _temporaries(tmp_path) == [], outcomes
    np.testing.assert_array_equal(fits.getdata(out), expected)


def test_killed_training_resumes_to_the_same_weights(toy_images, tmp_path):
    """SIGKILL at a random step, then --resume: the weights of an uninterrupted run."""
    import torch

    from astro_colorgan.nets import load_model

    common = ["train", toy_images, "--preset", "l1-only", "--epochs", "3", "--batch-size", "4",
              "--crop", "32", "--seed", "5", "--device", "cpu", "--no-progress"]
    straight = tmp_path / "straight.safetensors"
    _run(common + ["-o", straight])
    resumed = tmp_path / "resumed.safetensors"
    checkpoint = tmp_path / "resumed-run" / "checkpoint.pt"
    process = _start(common + ["-o", resumed])
    deadline = time.monotonic() + 600
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random(3).uniform(0.0, 2.0))
    process.kill()
    process.communicate(timeout=60)
    _run(common + ["-o", resumed, "--resume", checkpoint, "--overwrite"])
    a, _ = load_model(straight)
    b, _ = load_model(resumed)
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), name


def test_fresh_processes_give_the_same_output(tiny_model_path, tmp_path):
    """The same bytes under SOURCE_DATE_EPOCH, the same data without it."""
    filters = [get_sample_path(f"sample_{band}.fits") for band in "gri"]
    pinned = dict(ENV, SOURCE_DATE_EPOCH="1700000000")
    for name in ("a", "b"):
        _run(["stack", *filters, "-o", tmp_path / f"{name}.fits", "--png",
              tmp_path / f"{name}.png"], env=pinned)
        _run(["colorize", get_sample_path("sample_single.fits"), "-o",
              tmp_path / f"{name}-colour.fits", "--model", tiny_model_path, "--device", "cpu",
              ], env=pinned)
    for suffix in (".fits", ".png", "-colour.fits"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
    unpinned = {key: value for key, value in ENV.items() if key != "SOURCE_DATE_EPOCH"}
    _run(["stack", *filters, "-o", tmp_path / "c.fits"], env=unpinned)
    np.testing.assert_array_equal(fits.getdata(tmp_path / "c.fits"),
                                  fits.getdata(tmp_path / "a.fits"))
