"""Tests of batches on Dask: `astro_colorgan.batch` and ``astro-colorize batch``."""

import os
import signal
import threading
import time

import numpy as np
import pytest
from astropy.io import fits

from astro_colorgan.batch import expand_inputs, run_batch
from astro_colorgan.cli.main import main

pytest.importorskip("dask.distributed")


def _write_images(folder, n, size=(96, 112)):
    rng = np.random.default_rng(n)
    y, x = np.mgrid[:size[0], :size[1]]
    paths = []
    for i in range(n):
        image = 100 + rng.normal(0, 3, size)
        cy, cx = rng.uniform(20, size[0] - 20), rng.uniform(20, size[1] - 20)
        image += 300 * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / rng.uniform(50, 400))
        path = folder / f"img{i:02d}.fits"
        fits.PrimaryHDU(image.astype(np.float32)).writeto(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def cluster_client():
    """A local cluster of 2 single-threaded worker processes."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.run(_like_the_test_process)
        yield client


def _like_the_test_process():
    """Workers as the serial runs: one torch thread, a fixed HISTORY time stamp."""
    import torch

    torch.set_num_threads(1)
    os.environ["SOURCE_DATE_EPOCH"] = _EPOCH


_EPOCH = "1700000000"


@pytest.fixture
def serial(tiny_model_path):
    """Outputs of the plain one-process colorizer, with one torch thread as the workers."""
    import torch

    from astro_colorgan import Colorizer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    colorizer = Colorizer(tiny_model_path, device="cpu", tile=64, overlap=16)
    yield lambda source, output: colorizer.colorize_file(str(source), output)
    torch.set_num_threads(threads)


def test_expand_inputs(tmp_path):
    paths = _write_images(tmp_path, 3)
    jobs = expand_inputs([str(tmp_path / "*.fits"), str(paths[0])])
    assert [job.name for job in jobs] == ["img00", "img01", "img02"]  # each input once
    listing = tmp_path / "inputs.txt"
    listing.write_text("# my fields\nimg01.fits\n\nimg02.fits  # the last\n")
    assert [job.sources for job in expand_inputs(str(listing))] == [
        (str(paths[1]),), (str(paths[2]),)]
    groups = tmp_path / "groups.lst"
    groups.write_text("img00.fits img01.fits\n")
    (job,) = expand_inputs(str(groups), mode="stack-then-colorize")
    assert job.name == "img0" and len(job.sources) == 2
    (job,) = expand_inputs(str(tmp_path), mode="stack-then-colorize")
    assert job.name == tmp_path.name and len(job.sources) == 3
    with pytest.raises(ValueError, match="no file matches"):
        expand_inputs(str(tmp_path / "*.fit"))
    with pytest.raises(ValueError, match="one image per line"):
        expand_inputs(str(groups))
    with pytest.raises(ValueError, match="is a folder"):
        expand_inputs(str(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    (other / "img00.fits").write_bytes(paths[0].read_bytes())
    with pytest.raises(ValueError, match="would both write img00.fits"):
        expand_inputs([str(paths[0]), str(other / "img00.fits")])
    with pytest.raises(FileNotFoundError):
        expand_inputs(str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("keyword, values", [
    ("FILTER", ["i", "g", "r"]), ("FILTER", ["F814W", "F435W", "F606W"]),
    ("PHOTPLAM", [8045.0, 4330.0, 5921.0])])
def test_a_folder_is_stacked_blue_to_red(tmp_path, keyword, values):
    field = tmp_path / "field7"
    field.mkdir()
    for name, value in zip(("a", "b", "c"), values):
        fits.PrimaryHDU(np.zeros((4, 4), np.float32),
                        header=fits.Header({keyword: value})).writeto(field / f"{name}.fits")
    (job,) = expand_inputs(str(field), mode="stack-then-colorize")
    assert [os.path.basename(p) for p in job.sources] == ["b.fits", "c.fits", "a.fits"]
    # without a wavelength for every file, by name
    fits.PrimaryHDU(np.zeros((4, 4), np.float32)).writeto(field / "d.fits")
    (job,) = expand_inputs(str(field), mode="stack-then-colorize")
    assert [os.path.basename(p) for p in job.sources] == ["a.fits", "b.fits", "c.fits", "d.fits"]


def test_two_workers_match_serial_runs(cluster_client, serial, tiny_model_path, tmp_path,
                                       monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _EPOCH)
    paths = _write_images(tmp_path, 6)
    (tmp_path / "broken.fits").write_text("not a FITS file")
    out = tmp_path / "out"
    report = run_batch(str(tmp_path / "*.fits"), out, model=tiny_model_path,
                       client=cluster_client, progress=False,
                       colorize_options={"tile": 64, "overlap": 16})
    assert report.exit_status == 1
    (failure,) = report.failed
    assert failure["name"] == "broken" and "Not a FITS file" in failure["error"]
    assert len(report.succeeded) == 6
    for path in paths:
        expected = tmp_path / f"serial-{path.name}"
        serial(path, expected)
        assert (out / path.name).read_bytes() == expected.read_bytes()
    # every worker process loaded the model once, however many files it did
    loads = cluster_client.run(_loads)
    assert all(n <= 1 for n in loads.values()) and sum(loads.values()) >= 1
    # a second run writes nothing over the first without overwrite
    again = run_batch([str(p) for p in paths[:2]], out, model=tiny_model_path,
                      client=cluster_client, progress=False)
    assert [r["error"].split()[0] for r in again.failed] == ["File", "File"]
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)


def _loads():
    from astro_colorgan.batch import _jobs

    return len(_jobs._COLORIZERS)  # the colorizers (models loaded) of this worker process


@pytest.mark.slow
def test_killed_worker_loses_nothing(cluster_client, serial, tiny_model_path, tmp_path,
                                     monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _EPOCH)
    paths = _write_images(tmp_path, 16, size=(192, 192))
    out = tmp_path / "out"
    pids = list(cluster_client.run(os.getpid).values())
    outcome = {}

    def batch():
        outcome["report"] = run_batch(str(tmp_path / "*.fits"), out, model=tiny_model_path,
                                      client=cluster_client, progress=False,
                                      colorize_options={"tile": 64, "overlap": 16})

    worker = threading.Thread(target=batch)
    worker.start()
    deadline = time.monotonic() + 120
    while not (out.exists() and any(name.endswith(".fits") for name in os.listdir(out))):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(pids[0], signal.SIGKILL)  # mid-run: its task runs again elsewhere
    worker.join(timeout=300)
    report = outcome["report"]
    assert report.exit_status == 0, report.summary()
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)  # no temporary left
    for path in paths:
        expected = tmp_path / f"serial-{path.stem}.fit"
        serial(path, expected)
        assert (out / path.name).read_bytes() == expected.read_bytes()


def test_stack_then_colorize(cluster_client, tiny_model_path, tmp_path):
    from astro_colorgan.data import get_sample_path

    listing = tmp_path / "fields.txt"
    listing.write_text(" ".join(get_sample_path(f"sample_{b}.fits") for b in "gri") + "\n")
    report = run_batch(str(listing), tmp_path / "out", mode="stack-then-colorize",
                       model=tiny_model_path, client=cluster_client, progress=False)
    assert report.exit_status == 0, report.summary()
    with fits.open(report.results[0]["output"]) as hdul:
        header = hdul[0].header
        assert hdul[0].data.shape[0] == 3 and header["COLORSRC"] == "PREDICTED"
        assert header["CTYPE1"].startswith("RA---")
        history = " ".join(str(h) for h in header["HISTORY"])
        assert "luminance colorized is that of this stack" in history
        assert "sample_r.fits" in history


def test_bad_colorize_option_is_one_error_before_anything_runs(tiny_model_path, tmp_path):
    _write_images(tmp_path, 2)
    with pytest.raises(ValueError, match="tile must be a multiple of 16"):
        run_batch(str(tmp_path / "*.fits"), tmp_path / "out", model=tiny_model_path,
                  progress=False, colorize_options={"tile": 50, "overlap": 16})
    assert not (tmp_path / "out").exists()


def test_cli_exit_statuses(tiny_model_path, tmp_path, capsys):
    _write_images(tmp_path, 1)
    assert main(["batch", str(tmp_path / "*.nothing"), "--out-dir", str(tmp_path / "o")]) == 2
    assert "astro-colorize: error: no file matches" in capsys.readouterr().err
    status = main(["batch", str(tmp_path / "*.fits"), "--out-dir", str(tmp_path / "o"),
                   "--model", str(tiny_model_path), "--scheduler", "tcp://127.0.0.1:9",
                   "--timeout", "1"])
    assert status == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["batch", str(tmp_path / "*.fits"), "--out-dir", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_output_folder_that_refuses_files(tiny_model_path, unwritable_tmp_path,
                                              tmp_path_factory, capsys):
    (source,) = _write_images(tmp_path_factory.mktemp("inputs"), 1)
    status = main(["batch", str(source), "--out-dir", str(unwritable_tmp_path),
                   "--model", str(tiny_model_path)])
    assert status == 2
    assert "astro-colorize: error: Cannot write to folder" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_runs_a_local_cluster(tiny_model_path, tmp_path, capsys):
    _write_images(tmp_path, 2)
    (tmp_path / "broken.fits").write_text("not FITS")
    status = main(["batch", str(tmp_path / "*.fits"), "--out-dir", str(tmp_path / "out"),
                   "--model", str(tiny_model_path), "--workers", "1", "--no-progress",
                   "--tile", "64", "--overlap", "16"])
    captured = capsys.readouterr()
    assert status == 1
    assert "2 of 3 done, 1 failed" in captured.out
    assert "failed: " in captured.err and "broken.fits" in captured.err
    assert sorted(os.listdir(tmp_path / "out")) == ["img00.fits", "img01.fits"]
