"""Shared fixtures of the colorizer tests: tiny models and generated colour images.

Tests marked ``slow`` (subprocesses, training runs, clusters) are skipped unless
``--run-slow`` is given or ``ASTRO_COLORGAN_RUN_SLOW=1`` is set, so that the
README's test command stays quick; ``.ci/run`` runs them separately.
"""

import os

import numpy as np
import pytest

from _colour_images import make_colour_images


def pytest_addoption(parser):
    try:
        parser.addoption("--run-slow", action="store_true", default=False,
                         help="also run the tests marked slow (or ASTRO_COLORGAN_RUN_SLOW=1)")
    except ValueError:  # the pytest-skip-slow plugin, where installed, defines it too
        pass


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("ASTRO_COLORGAN_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow or ASTRO_COLORGAN_RUN_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A small untrained 'classify' model saved as safetensors."""
    import torch

    from astro_colorgan.nets import ColorModel, save_model

    torch.manual_seed(0)
    grid = np.linspace(-1, 1, 5, dtype=np.float32)
    centres = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    model = ColorModel(width=8, head="classify", bin_centres=centres,
                       bin_weights=np.ones(len(centres), np.float32), temperature=0.5)
    path = tmp_path_factory.mktemp("models") / "tiny.safetensors"
    save_model(model, path, info={"what": "test model"})
    return path


@pytest.fixture(scope="session")
def tiny_guided_model_path(tmp_path_factory):
    """A small untrained guided 'classify' model (it takes measured colour) saved as
    safetensors."""
    import torch

    from astro_colorgan.nets import ColorModel, save_model

    torch.manual_seed(1)
    grid = np.linspace(-1, 1, 5, dtype=np.float32)
    centres = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    model = ColorModel(width=8, head="classify", bin_centres=centres,
                       bin_weights=np.ones(len(centres), np.float32), temperature=0.5,
                       hints=True)
    path = tmp_path_factory.mktemp("models") / "tiny-guided.safetensors"
    save_model(model, path, info={"what": "guided test model"})
    return path


@pytest.fixture(scope="session")
def toy_images(tmp_path_factory):
    """A folder of 24 small generated colour images to train on (read only)."""
    folder = tmp_path_factory.mktemp("toy")
    make_colour_images(folder, n=24, size=48)
    return folder


@pytest.fixture
def colour_folder(tmp_path):
    """A folder of generated colour images."""
    make_colour_images(tmp_path, n=8)
    return tmp_path


@pytest.fixture
def unwritable_tmp_path(tmp_path, monkeypatch):
    """``tmp_path`` in which creating files fails (as root, permissions do not bind)."""
    import os

    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if os.path.dirname(os.fspath(path)) == str(tmp_path) and flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    return tmp_path
