"""Generated colour images for the colorizer tests."""

import numpy as np

__all__ = ["make_colour_images"]


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
