"""Tests of the pan-sharpening fusion: classical rule, consistency, residual network, images."""

import numpy as np
import pytest
import torch
from astropy.wcs import WCS

from astro_colorgan.fusion import (DetailNet, FluxScaling, complete_middle, consistency_chi2,
                                   degrade, fuse, project_consistent, ratio_rule)

WEIGHTS = (0.2126, 0.7152, 0.0722)


def _scene(seed=0, shape=(64, 64)):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:shape[0], :shape[1]]
    blob = np.exp(-((x - 30) ** 2 + (y - 34) ** 2) / 40.0)
    bands = np.stack([0.8 * blob + 0.05, 0.5 * blob + 0.05, 0.2 * blob + 0.3 * blob ** 4 + 0.05])
    bands += rng.uniform(0, 0.02, bands.shape)
    truth = torch.from_numpy(bands.astype(np.float32))[None]
    luma = (torch.tensor(WEIGHTS).view(1, 3, 1, 1) * truth).sum(1, keepdim=True)
    return truth, luma


def test_ratio_rule_keeps_the_deep_frame_and_the_frames_ratios():
    truth, luma = _scene()
    up = truth * 0.5  # right colour, wrong brightness
    out = ratio_rule(up, luma, WEIGHTS, softening=0.0)
    assert torch.allclose((torch.tensor(WEIGHTS).view(1, 3, 1, 1) * out).sum(1, keepdim=True),
                          luma, atol=1e-6)
    assert torch.allclose(out, truth, atol=1e-5)


def test_ratio_rule_injects_neutral_detail_where_the_frames_are_noise():
    luma = torch.full((1, 1, 4, 4), 0.3)
    out = ratio_rule(torch.zeros(1, 3, 4, 4), luma, WEIGHTS, softening=0.1)
    assert torch.allclose(out, torch.full_like(out, 0.3), atol=1e-6)


@pytest.mark.parametrize("scaling", [FluxScaling(), FluxScaling(scale=0.5, Q=10.0)])
def test_an_untrained_network_returns_the_classical_fusion_exactly(scaling):
    truth, luma = _scene()
    frames = degrade(truth, (16, 16))
    classical = fuse(luma, frames, WEIGHTS, scaling=scaling)
    learned = fuse(luma, frames, WEIGHTS, net=DetailNet(width=8), scaling=scaling)
    assert torch.equal(classical, learned)
    blue, red = truth[:, 2:3], truth[:, 0:1]
    assert torch.equal(complete_middle(blue, red), complete_middle(blue, red,
                                                                   net=DetailNet(width=8)))


def test_a_zero_initialised_network_gets_a_gradient():
    truth, luma = _scene()
    frames = degrade(truth, (16, 16))
    net = DetailNet(width=8)
    loss = (fuse(luma, frames, WEIGHTS, net=net, scaling=FluxScaling(scale=0.5)) - truth).abs()
    loss.mean().backward()
    assert net.head.weight.grad.abs().sum() > 0
    net.zero_grad()
    green = complete_middle(truth[:, 2:3], truth[:, 0:1], net=net)[:, 1]
    (green - truth[:, 1]).abs().mean().backward()
    assert net.head.weight.grad.abs().sum() > 0


def test_a_trained_network_changes_the_fusion():
    truth, luma = _scene()
    frames = degrade(truth, (16, 16))
    net = DetailNet(width=8)
    torch.nn.init.normal_(net.head.weight, std=0.01)
    assert not torch.equal(fuse(luma, frames, WEIGHTS), fuse(luma, frames, WEIGHTS, net=net))


@pytest.mark.parametrize("sigma", [0.0, 1.5])
def test_the_fused_bands_degraded_reproduce_the_frames(sigma):
    truth, luma = _scene()
    frames = degrade(truth, (16, 16), sigma)
    raw = fuse(luma, frames, WEIGHTS, sigma=sigma, consistent=False)
    projected = fuse(luma, frames, WEIGHTS, sigma=sigma, iterations=30)
    noise = 1e-3
    assert consistency_chi2(raw, frames, noise, sigma=sigma) > 2
    assert consistency_chi2(projected, frames, noise, sigma=sigma) < 1.0


def test_projection_stops_at_the_frames_noise():
    truth, luma = _scene()
    rng = torch.Generator().manual_seed(1)
    noise = 0.01
    frames = degrade(truth, (16, 16)) + noise * torch.randn(1, 3, 16, 16, generator=rng)
    start = fuse(luma, frames, WEIGHTS, consistent=False)
    out = project_consistent(start, frames, iterations=40, noise=noise)
    chi2 = consistency_chi2(out, frames, noise)
    assert 0.5 < chi2 < 1.2  # reproduced to within the noise, not fitted into it


def test_the_network_needs_sizes_in_its_multiple():
    with pytest.raises(ValueError, match="multiples of 8"):
        DetailNet(width=8)(torch.zeros(1, 10, 20, 24))


def test_odd_sizes_are_padded_by_fuse():
    truth, luma = _scene(shape=(50, 61))
    frames = degrade(truth, (12, 15))
    out = fuse(luma, frames, WEIGHTS, net=DetailNet(width=8))
    assert out.shape == truth.shape


def test_model_file_round_trip_and_refusals(tmp_path):
    from safetensors.torch import load_file, save_file

    from astro_colorgan.fusion._model import load_fusion_model, save_fusion_model

    net = DetailNet(width=8)
    torch.nn.init.normal_(net.head.weight, std=0.01)
    path = tmp_path / "fusion.safetensors"
    save_fusion_model(net, path, info={"steps": 3})
    loaded, info = load_fusion_model(path)
    assert info == {"steps": 3}
    x = torch.rand(1, 10, 16, 16)
    assert torch.allclose(loaded(x), net(x), atol=1e-3)
    with pytest.raises(FileExistsError):
        save_fusion_model(net, path)
    tensors = load_file(path)
    tensors["head.weight"] = tensors["head.weight"].to(torch.int8)
    from safetensors import safe_open

    with safe_open(path, framework="pt") as handle:
        metadata = handle.metadata()
    bad = tmp_path / "int8.safetensors"
    save_file(tensors, bad, metadata=metadata)
    with pytest.raises(ValueError, match="non-float"):
        load_fusion_model(bad)


def _tan_wcs(scale_deg, crpix, shape):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [150.0, 2.0]
    wcs.wcs.crpix = crpix
    wcs.wcs.cd = [[-scale_deg, 0], [0, scale_deg]]
    wcs.pixel_shape = shape[::-1]
    return wcs


def test_fuse_images_finds_the_deep_frames_band_and_reproduces_the_frames():
    from astro_colorgan.fusion._high_level import fuse_images
    from astro_colorgan.io import read_image
    from astro_colorgan.io._blocks import block_average

    truth, _ = _scene(shape=(64, 64))
    bands = truth[0].numpy() * 100.0
    wcs = _tan_wcs(1e-4, [32.5, 32.5], (64, 64))
    deep = read_image((bands[1], wcs))  # the deep frame is the green band itself
    frames = []
    for plane in bands[::-1]:  # blue to red
        data, coarse = block_average(plane, 4, wcs=wcs)
        frames.append(read_image((data, coarse)))
    fused = fuse_images(deep, frames, background=False)
    assert fused.factor == 4
    assert fused.weights[1] == pytest.approx(1.0, abs=0.02)
    assert fused.chi2 < 1.0
    assert fused.bands.shape == (3, 64, 64)
    assert np.allclose(fused.bands[1], bands[1], rtol=0.05, atol=0.5)


def test_fuse_images_refuses_frames_that_do_not_overlap():
    from astro_colorgan.fusion._high_level import fuse_images
    from astro_colorgan.io import read_image

    wcs = _tan_wcs(1e-4, [32.5, 32.5], (64, 64))
    far = _tan_wcs(4e-4, [8.5, 8.5], (16, 16))
    far.wcs.crval = [10.0, -40.0]
    deep = read_image((np.ones((64, 64), np.float32), wcs))
    frames = [read_image((np.ones((16, 16), np.float32), far)) for _ in range(3)]
    with pytest.raises(ValueError, match="do not overlap"):
        fuse_images(deep, frames, background=False)
