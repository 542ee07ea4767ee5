"""Shared fixtures of the colorizer tests: tiny models and generated colour images."""

import numpy as np
import pytest


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


def make_colour_images(folder, n=6, size=64, seed=0, prefix="img"):
    """Write ``n`` PNG images of coloured blobs on a dark sky into ``folder``.

    Bright blobs are red, faint halos blue, so colour is predictable from the luma.
    """
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size]
    paths = []
    for i in range(n):
        cy, cx = rng.uniform(size * 0.3, size * 0.7, 2)
        r2 = (x - cx) ** 2 + (y - cy) ** 2
        core = np.exp(-r2 / (2 * (size / 10) ** 2))
        halo = 0.5 * np.exp(-r2 / (2 * (size / 4) ** 2))
        rgb = np.stack([0.9 * core + 0.1 * halo, 0.3 * core + 0.3 * halo, 0.1 * core + halo], -1)
        rgb = np.clip(rgb + rng.normal(0, 0.01, rgb.shape), 0, 1)
        path = folder / f"{prefix}{i:02d}.png"
        Image.fromarray((rgb * 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def colour_folder(tmp_path):
    """A folder of generated colour images."""
    make_colour_images(tmp_path, n=8)
    return tmp_path
