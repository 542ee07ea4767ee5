"""Tests of the training data, presets and loop (tiny runs on generated images)."""


import numpy as np
import pytest
import torch
from safetensors import safe_open

from astro_colorgan.datasets import find_images, in_test_split, is_coloured, read_color_image
from astro_colorgan.nets import load_model
from astro_colorgan.training import PRESETS, TrainingImages, get_preset, train

from _colour_images import make_colour_images
from _runs import read_losses


def test_split_rule_matches_the_protocol():
    # names from the protocol's own list of test images
    assert in_test_split("abell33.png") and in_test_split("barnard142-vasey.png")
    assert not in_test_split("m1dumont.png")
    assert in_test_split("/some/folder/abell33.png")


def test_find_images_and_reading(tmp_path):
    make_colour_images(tmp_path, n=3)
    (tmp_path / "notes.txt").write_text("not an image")
    paths = find_images(tmp_path)
    assert len(paths) == 3 and all(p.endswith(".png") for p in paths)
    rgb = read_color_image(paths[0], max_side=32)
    assert rgb.shape == (32, 32, 3) and rgb.dtype == np.float32 and rgb.max() <= 1
    assert is_coloured(rgb)
    assert not is_coloured(np.repeat(rgb.mean(-1, keepdims=True), 3, -1))
    with pytest.raises(ValueError, match="no colour image"):
        find_images(_empty(tmp_path))
    with pytest.raises(NotADirectoryError):
        find_images(tmp_path / "missing")


def _empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


def test_reads_palette_rgba_and_fits_cubes(tmp_path):
    from astropy.io import fits
    from PIL import Image

    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[..., 0] = 200
    Image.fromarray(rgb).quantize(colors=4).save(tmp_path / "palette.png")
    rgba = np.dstack([rgb, np.full((20, 30), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    cube = np.zeros((3, 20, 30), np.float32)
    cube[2] = 0.5
    fits.PrimaryHDU(cube).writeto(tmp_path / "stack.fits")
    assert np.allclose(read_color_image(tmp_path / "palette.png")[..., 0], 200 / 255, atol=0.02)
    assert read_color_image(tmp_path / "alpha.png").shape == (20, 30, 3)
    fits_rgb = read_color_image(tmp_path / "stack.fits")
    assert fits_rgb.shape == (20, 30, 3) and np.allclose(fits_rgb[..., 2], 0.5)
    (tmp_path / "bad.png").write_bytes(b"no png")
    with pytest.raises(OSError, match="cannot read"):
        read_color_image(tmp_path / "bad.png")


def test_samples_are_reproducible_and_augmented(tmp_path):
    images = TrainingImages(make_colour_images(tmp_path, n=2), max_side=64)
    a = images.sample(0, epoch=0, seed=1, crop=32, scale_jitter=(0.8, 1.25))
    b = images.sample(0, epoch=0, seed=1, crop=32, scale_jitter=(0.8, 1.25))
    c = images.sample(0, epoch=1, seed=1, crop=32, scale_jitter=(0.8, 1.25))
    assert a.shape == (3, 32, 32)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_grey_images_are_left_out(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((32, 32), 120, np.uint8)).save(tmp_path / "grey.png")
    with pytest.raises(ValueError, match="no usable colour image"):
        TrainingImages([tmp_path / "grey.png"])


def test_presets():
    assert set(PRESETS) == {"default", "seed-paper", "l1-only", "lab-bins", "palette",
                            "strong-aug"}
    # strong-aug is the default recipe with wider jitter, nothing else
    strong, default = PRESETS["strong-aug"].as_dict(), PRESETS["default"].as_dict()
    assert {k for k in strong if strong[k] != default[k]} == {"name", "scale_jitter",
                                                               "gamma_jitter"}
    assert strong["scale_jitter"][1] > default["scale_jitter"][1]
    assert (PRESETS["lab-bins"].bins, PRESETS["default"].bins) == ("lab", "relative")
    assert PRESETS["palette"].palette and not PRESETS["default"].palette
    paper = PRESETS["seed-paper"]
    assert (paper.batch_size, paper.epochs, paper.lr, paper.loss) == (64, 150, 5e-4, "l2rgb")
    assert PRESETS["l1-only"].loss == "l1" and PRESETS["default"].loss == "gan"
    assert get_preset("default", epochs=3, crop=None).epochs == 3
    own = get_preset(get_preset("palette", bfloat16=False), epochs=3)  # a recipe of one's own
    assert (own.name, own.palette, own.bfloat16, own.epochs) == ("palette", True, False, 3)
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("nope")


def test_a_few_steps_lower_the_loss(toy_images, tmp_path):
    torch.set_num_threads(1)
    out = tmp_path / "l1.safetensors"
    info = train(toy_images, out, preset="l1-only", epochs=12, batch_size=4, crop=32,
                 progress=False, seed=0)
    rows = read_losses(tmp_path / "l1-run")
    first = np.mean([float(r["loss_g"]) for r in rows[:8]])
    last = np.mean([float(r["loss_g"]) for r in rows[-8:]])
    assert last < 0.8 * first
    assert (tmp_path / "l1-run" / "losses.png").exists()
    assert info["steps"] == len(rows)
    model, meta = load_model(out)
    assert meta["recipe"]["name"] == "l1-only" and meta["seed"] == 0
    with safe_open(out, framework="pt") as handle:  # safetensors: no pickle
        assert "generator.head.weight" in handle.keys()


def test_gan_preset_runs_and_chooses_decoding(toy_images, tmp_path):
    out = tmp_path / "gan.safetensors"
    info = train(toy_images, out, preset="lab-bins", epochs=1, batch_size=4, crop=64,
                 progress=False, max_steps=3)
    rows = read_losses(tmp_path / "gan-run")
    assert len(rows) == 3 and all(r["loss_adv"] and r["loss_d"] and r["loss_ce"] for r in rows)
    model, meta = load_model(out)
    assert model.temperature == meta["temperature"] == info["temperature"]
    assert model.bin_space == "lab" and model.bin_table.shape[1] == len(model.bin_centres)


@pytest.mark.slow
def test_resume_continues_exactly(toy_images, tmp_path):
    """Also under bfloat16 autocast on the CPU, with the palette (the ``palette`` preset)."""
    torch.set_num_threads(1)
    kwargs = dict(preset="palette", epochs=2, batch_size=8, crop=64, progress=False, seed=3)
    straight = tmp_path / "straight.safetensors"
    train(toy_images, straight, **kwargs)
    resumed = tmp_path / "resumed.safetensors"
    train(toy_images, resumed, max_steps=3, **kwargs)  # stops in the middle of epoch 1
    checkpoint = tmp_path / "resumed-run" / "checkpoint.pt"
    train(toy_images, resumed, resume=checkpoint, overwrite=True, **kwargs)
    a, _ = load_model(straight)
    b, _ = load_model(resumed)
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), name
    rows = read_losses(tmp_path / "resumed-run")
    assert [int(r["step"]) for r in rows] == list(range(1, len(rows) + 1))
    assert all(float(r["loss_palette"]) > 0 for r in rows)
    assert a.generator.palette


def test_training_bad_input(toy_images, tmp_path):
    out = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="no colour image"):
        train(_empty(tmp_path), out, progress=False)
    with pytest.raises(ValueError, match="multiple of 16"):
        train(toy_images, out, crop=30, progress=False)
    with pytest.raises(ValueError, match="at least 64"):
        train(toy_images, out, crop=48, progress=False)
    with pytest.raises(ValueError, match="palette is trained by the 'gan' loss"):
        train(toy_images, out, preset=get_preset("default", palette=True, loss="l1"),
              progress=False)
    out.write_bytes(b"keep me")
    with pytest.raises(OSError, match="already exists"):
        train(toy_images, out, progress=False)
    assert out.read_bytes() == b"keep me"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            train(toy_images, tmp_path / "n.safetensors", device="cuda", progress=False)
