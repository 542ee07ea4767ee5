"""Tests of the networks, the losses and model files."""

import numpy as np
import pytest
import torch

from astro_colorgan.nets import ColorModel, load_model, save_model
from astro_colorgan.nets._discriminator import PatchDiscriminator
from astro_colorgan.nets._generator import HINT_CHANNELS, ChromaUNet
from astro_colorgan.training._bins import (chroma_histogram, rebalancing_weights, select_bins,
                                           soft_encode)
from astro_colorgan.training._losses import (lsgan_discriminator_loss, lsgan_generator_loss,
                                             rebalanced_cross_entropy)


def test_bins_and_soft_encoding():
    values = np.array([[0.0, 0.0]] * 90 + [[1.0, -0.5]] * 10)
    centres, prior = select_bins(chroma_histogram(values))
    assert len(centres) == 2 and np.isclose(prior.sum(), 1)
    weights = rebalancing_weights(centres, prior, mix=0.5)
    rare = np.argmin(prior)
    assert weights[rare] > weights[np.argmax(prior)]  # rare colours weigh more
    assert np.isclose((prior * weights).sum(), 1, atol=0.05)
    target, nearest = soft_encode(torch.tensor([[[[1.0]], [[-0.5]]]]), torch.tensor(centres))
    assert torch.allclose(target.sum(1), torch.ones(1, 1, 1))
    assert nearest.item() == rare


def test_generator_shapes_and_size_check():
    g = ChromaUNet(width=8, head="classify", n_bins=7).eval()
    out = g(torch.rand(2, 1, 64, 48))
    assert out.shape == (2, 7, 16, 12)
    with pytest.raises(ValueError, match="multiples of 16"):
        g(torch.rand(1, 1, 50, 64))


def test_guided_generator_takes_hint_planes(tmp_path):
    torch.manual_seed(0)
    centres = np.array([[0.0, 0.0], [0.5, 0.2], [-0.3, 0.4]], np.float32)
    model = ColorModel(width=8, bin_centres=centres, hints=True).eval()
    assert model.hints and model.generator.in_channels == 1 + len(HINT_CHANNELS) == 6
    x = torch.rand(1, 6, 32, 32)
    with torch.no_grad():
        plain = model(x)
        changed = x.clone()
        changed[:, 1:] = torch.rand(1, 5, 32, 32)
        assert not torch.allclose(model(changed), plain)  # the hints are seen
    with pytest.raises(ValueError, match="takes 6 input plane"):
        model.generator(torch.rand(1, 1, 32, 32))  # a guided generator needs its hints
    model.generator.half().float()  # the weights as the file stores them (float16)
    path = tmp_path / "guided.safetensors"
    save_model(model, path)
    again, _ = load_model(path)
    assert again.hints and again.config["hints"]
    with torch.no_grad():
        assert torch.allclose(model(x), again(x), atol=1e-6)


def test_generator_does_not_depend_on_the_batch():
    """GroupNorm: an image gives the same output alone or in a batch (tiles agree)."""
    g = ChromaUNet(width=8, head="regress").eval()
    x = torch.rand(3, 1, 32, 32)
    with torch.no_grad():
        together = g(x)
        alone = g(x[1:2])
    assert torch.allclose(together[1:2], alone, atol=1e-5)


def test_no_transposed_convolutions():
    g = ChromaUNet(width=8, head="regress")
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules())


def test_adversarial_gradient_reaches_the_generator():
    torch.manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [1.0, 0.5], [-0.5, 1.0]])
    model = ColorModel(width=8, bin_centres=centres, bin_weights=torch.ones(3))
    disc = PatchDiscriminator(width=8)
    luma = torch.rand(2, 1, 64, 64)
    raw = model.generator(luma)
    fake = model.relative_lowres(raw)
    loss = lsgan_generator_loss(disc(torch.nn.functional.avg_pool2d(luma, 4), fake))
    loss.backward()
    grads = [p.grad for p in model.generator.parameters()]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_lsgan_losses():
    ones, zeros = torch.ones(4), torch.zeros(4)
    assert lsgan_generator_loss(ones) == 0
    assert lsgan_discriminator_loss(ones, zeros) == 0
    assert lsgan_discriminator_loss(zeros, ones) == 1


def test_rebalanced_cross_entropy_weights_pixels():
    logits = torch.zeros(1, 2, 1, 2)
    target = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])
    nearest = torch.tensor([[[0, 1]]])
    plain = rebalanced_cross_entropy(logits, target, nearest, torch.ones(2))
    assert torch.isclose(plain, torch.log(torch.tensor(2.0)))
    heavy = rebalanced_cross_entropy(logits, target, nearest, torch.tensor([1.0, 3.0]))
    assert torch.isclose(heavy, 2 * plain)


def test_save_load_round_trip(tmp_path, tiny_model_path):
    model, info = load_model(tiny_model_path)
    assert info == {"what": "test model"}
    x = torch.rand(1, 1, 32, 32)
    path = tmp_path / "copy.safetensors"
    save_model(model, path)
    again, _ = load_model(path)
    with torch.no_grad():
        assert torch.allclose(model(x), again(x))
    with pytest.raises(OSError, match="already exists"):
        save_model(model, path)


def test_load_errors(tmp_path, tiny_model_path):
    with pytest.raises(FileNotFoundError, match="No such model file"):
        load_model(tmp_path / "missing.safetensors")
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00\x01not a model at all")
    with pytest.raises(OSError, match="not a readable safetensors"):
        load_model(corrupt)
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, other)
    with pytest.raises(ValueError, match="not an astro_colorgan model"):
        load_model(other)
    # right format tag, wrong tensors
    from safetensors import safe_open

    with safe_open(tiny_model_path, framework="pt") as handle:
        metadata = handle.metadata()
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    tensors.pop(next(k for k in tensors if k.startswith("generator.head")))
    broken = tmp_path / "broken.safetensors"
    save_file(tensors, broken, metadata=metadata)
    with pytest.raises(ValueError, match="another architecture"):
        load_model(broken)
