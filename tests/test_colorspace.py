"""Tests of the colour spaces: Rec. 709 luma and chroma, CIELAB and the CIE94 difference."""

import numpy as np
import pytest
import torch
from skimage.color import deltaE_ciede94, rgb2lab

from astro_colorgan.colorspace import (absolute_chroma, chroma_to_rgb, delta_e94, relative_chroma,
                                       rgb_to_chroma, rgb_to_lab, rgb_to_luma)


def test_round_trip_and_luma_kept_exactly():
    rng = np.random.default_rng(1)
    rgb = rng.random((40, 30, 3))
    luma = rgb_to_luma(rgb)
    assert np.allclose(chroma_to_rgb(luma, rgb_to_chroma(rgb)), rgb, atol=1e-12)
    # any chroma, however out of gamut, keeps the luma and stays in [0, 1]
    wild = rng.normal(0, 2, (40, 30, 2))
    out = chroma_to_rgb(luma, wild)
    assert out.min() >= -1e-12 and out.max() <= 1 + 1e-12
    assert np.allclose(rgb_to_luma(out), luma, atol=1e-12)


def test_colour_space_torch_matches_numpy():
    rng = np.random.default_rng(2)
    rgb = rng.random((2, 3, 8, 8))
    luma = rgb_to_luma(rgb, axis=1)
    chroma = 3 * rgb_to_chroma(rgb, axis=1)
    expected = chroma_to_rgb(luma, chroma, axis=1)
    got = chroma_to_rgb(torch.tensor(luma), torch.tensor(chroma), axis=1).numpy()
    assert np.allclose(got, expected)


def test_relative_chroma_inverts():
    chroma = np.array([[0.1, -0.2]])
    luma = np.array([[0.3]])
    assert np.allclose(absolute_chroma(relative_chroma(chroma, luma), luma), chroma)


def test_lab_matches_scikit_image_on_numpy_and_torch():
    rng = np.random.default_rng(3)
    rgb = rng.random((20, 20, 3))
    rgb[:4] = rng.uniform(0, 0.01, (4, 20, 3))  # the linear part of the CIE curve
    expected = rgb2lab(rgb)
    assert np.abs(rgb_to_lab(rgb) - expected).max() < 1e-3
    got = rgb_to_lab(torch.tensor(np.moveaxis(rgb, -1, 0)[None]), axis=1)[0].numpy()
    assert np.abs(np.moveaxis(got, 0, -1) - expected).max() < 1e-3


def test_delta_e94_matches_scikit_image_and_has_a_finite_gradient():
    rng = np.random.default_rng(4)
    a = rng.random((16, 16, 3))
    b = np.clip(a + rng.normal(0, 0.05, a.shape), 0, 1)
    expected = deltaE_ciede94(rgb2lab(a), rgb2lab(b))
    assert np.abs(delta_e94(rgb2lab(a), rgb2lab(b), eps=0.0) - expected).max() < 1e-6
    x = torch.tensor(a, requires_grad=True)
    delta_e94(rgb_to_lab(torch.tensor(a)), rgb_to_lab(x)).mean().backward()  # identical colours
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("rgb, lab", [((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),
                                      ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))])
def test_lab_of_white_and_black(rgb, lab):
    assert np.allclose(rgb_to_lab(np.array(rgb)), lab, atol=1e-2)
