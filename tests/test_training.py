"""Tests of the training data, presets and loop (tiny runs on generated images)."""


import numpy as np
import pytest
import torch
from safetensors import safe_open

from astro_colorgan.datasets import find_images, in_test_split, is_coloured, read_color_image
from astro_colorgan.nets import load_model
from astro_colorgan.training import PRESETS, get_preset, train
from astro_colorgan.training._losslog import CSV_COLUMNS
from astro_colorgan.training._samples import TrainingImages

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
    assert set(PRESETS) == {"default", "seed-paper", "l1-only", "guided", "guided-mix", "subjects"}
    # guided: the default recipe, started from the shipped single-band model, with hints
    guided, default = PRESETS["guided"].as_dict(), PRESETS["default"].as_dict()
    assert {k for k in guided if guided[k] != default[k]} == {
        "name", "hints", "users_path", "init", "epochs", "lr", "clean_frames", "frame_noise"}
    # guided-mix: the same with 40 % simulated fields, in as many steps
    mix = PRESETS["guided-mix"].as_dict()
    assert {k for k in mix if mix[k] != guided[k]} == {"name", "simulated", "epochs"}
    assert mix["simulated"] == 0.4 and abs(mix["epochs"] / guided["epochs"] - 0.6) < 0.05
    assert (guided["hints"], guided["init"]) == (True, "single-band")
    # subjects: guided-mix told what each image is, fine-tuned from the shipped default
    subjects = PRESETS["subjects"].as_dict()
    assert {k for k in subjects if subjects[k] != mix[k]} == {"name", "subjects", "init", "epochs"}
    assert subjects["subjects"] and subjects["init"] == "guided-mix" and not mix["subjects"]
    assert 0 < guided["users_path"] <= 1
    assert not default["hints"] and default["init"] is None and default["users_path"] == 0
    paper = PRESETS["seed-paper"]
    assert (paper.batch_size, paper.epochs, paper.lr, paper.loss) == (64, 150, 5e-4, "l2rgb")
    assert PRESETS["l1-only"].loss == "l1" and PRESETS["default"].loss == "gan"
    assert get_preset("default", epochs=3, crop=None).epochs == 3
    own = get_preset(get_preset("guided", users_path=0.0), epochs=3)  # a recipe of one's own
    assert (own.name, own.hints, own.users_path, own.epochs) == ("guided", True, 0.0, 3)
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
    info = train(toy_images, out, preset="default", epochs=1, batch_size=4, crop=64,
                 progress=False, max_steps=3)
    rows = read_losses(tmp_path / "gan-run")
    assert len(rows) == 3 and all(r["loss_adv"] and r["loss_d"] and r["loss_ce"] for r in rows)
    assert set(rows[0]) == set(CSV_COLUMNS)
    model, meta = load_model(out)
    assert model.temperature == meta["temperature"] == info["temperature"]
    assert model.head == "classify" and len(model.bin_centres) > 1 and not model.hints


@pytest.mark.slow
def test_resume_continues_exactly(toy_images, tmp_path):
    """Also under bfloat16 autocast on the CPU, for a guided model whose inputs (hint
    modes, the users' path) are drawn at random."""
    torch.set_num_threads(1)
    recipe = get_preset("default", bfloat16=True, hints=True, users_path=0.5)
    kwargs = dict(preset=recipe, epochs=2, batch_size=8, crop=64, progress=False, seed=3)
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
    assert a.hints
    # a checkpoint of another seed is refused before the run's folder is made
    with pytest.raises(ValueError, match="another recipe or seed"):
        train(toy_images, tmp_path / "other.safetensors", resume=checkpoint,
              **{**kwargs, "seed": 4})
    assert not (tmp_path / "other-run").exists()


def test_clean_colour_frames_are_block_means():
    """A clean colour frame is the block mean brought back bilinearly; the others are noisy."""
    from PIL import Image

    from astro_colorgan.training._inputs import _coarse_frame

    rgb = np.random.default_rng(0).uniform(0, 1, (3, 64, 64)).astype(np.float32)
    small = [np.asarray(Image.fromarray(p).resize((8, 8), Image.BOX)) for p in rgb]
    expected = np.stack([np.asarray(Image.fromarray(p).resize((64, 64), Image.BILINEAR))
                         for p in small])
    clean = _coarse_frame(rgb, 8, np.random.default_rng(1), clean=1.0)
    np.testing.assert_array_equal(clean, expected)
    noisy = _coarse_frame(rgb, 8, np.random.default_rng(1), clean=0.0, max_noise=0.02)
    assert 0 < np.abs(noisy - expected).mean() < 0.05


def test_training_bad_input(toy_images, tiny_model_path, tmp_path):
    out = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="no colour image"):
        train(_empty(tmp_path), out, progress=False)
    with pytest.raises(ValueError, match="multiple of 16"):
        train(toy_images, out, crop=30, progress=False)
    with pytest.raises(ValueError, match="at least 64"):
        train(toy_images, out, crop=48, progress=False)
    with pytest.raises(ValueError, match="give their folder"):
        train(toy_images, out, preset="guided-mix", progress=False)
    with pytest.raises(ValueError, match="mixes in no simulated fields"):
        train(toy_images, out, simulated=toy_images, progress=False)
    with pytest.raises(ValueError, match="width"):  # a start of another architecture
        train(toy_images, out, preset=get_preset("guided", init=str(tiny_model_path)),
              progress=False)
    out.write_bytes(b"keep me")
    with pytest.raises(OSError, match="already exists"):
        train(toy_images, out, progress=False)
    assert out.read_bytes() == b"keep me"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            train(toy_images, tmp_path / "n.safetensors", device="cuda", progress=False)


def test_guided_model_starts_as_its_single_band_model(toy_images, tiny_model_path, tmp_path):
    """Started from a single-band model (``Preset.init``), a guided model given no colour
    (zero hint planes) colours exactly as that model does."""
    from astro_colorgan import Colorizer

    recipe = get_preset("guided", init=str(tiny_model_path), width=8, validation=False)
    out = tmp_path / "guided.safetensors"
    info = train(toy_images, out, preset=recipe, crop=64, progress=False, max_steps=0)
    assert info["steps"] == 0 and info["recipe"]["init"] == str(tiny_model_path)
    guided, _ = load_model(out)
    single, _ = load_model(tiny_model_path)
    assert guided.hints and not single.hints
    assert (guided.temperature, guided.saturation) == (single.temperature, single.saturation)
    assert torch.equal(guided.bin_centres, single.bin_centres)
    luma = torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(0))
    no_hints = torch.cat([luma, torch.zeros(2, 5, 64, 64)], dim=1)
    with torch.no_grad():
        assert torch.equal(guided(no_hints), single(luma))
    # the colorizer runs the same weights with its GroupNorm statistics frozen and folded
    # into the convolutions, whose kernels for 6 input planes and for 1 round differently
    # (1.7e-6 at most, measured): equal to float32 rounding, not bit for bit
    image = luma[0, 0].numpy()
    colours = [Colorizer(path, device="cpu", stretch=None).colorize(image).rgb
               for path in (out, tiny_model_path)]
    assert np.allclose(*colours, rtol=0, atol=1e-5)
    # measured colour goes through the gate, which starts near 1: a fresh guided model
    # takes measured colour (relative chroma 0.3 everywhere here) nearly as it is
    hinted = no_hints.clone()
    hinted[:, 1:3] = 0.3
    hinted[:, 3] = 1.0
    with torch.no_grad():
        relative = guided(hinted) / (hinted[:, :1] + 0.02)
    assert float((relative - 0.3).abs().max()) < 0.06


def test_decodings_are_chosen_on_each_validation_split(tmp_path, tiny_model_path):
    """The photographs' validation split chooses the model's own decoding; a run with
    simulated fields also gets a decoding for the 'field' subject chosen on theirs."""
    from astro_colorgan.datasets import find_images
    from astro_colorgan.nets import load_model
    from astro_colorgan.training._validation import (SATURATIONS, TEMPERATURES,
                                                     choose_decodings)

    photos, fields = tmp_path / "photos", tmp_path / "fields"
    photos.mkdir()
    fields.mkdir()
    make_colour_images(photos, n=20, size=32, prefix="photo")  # 6, 18, 19: validation
    make_colour_images(fields, n=20, size=32, seed=1, prefix="field")  # 2, 7, 16
    assert find_images(photos, split="validation") and find_images(fields, split="validation")
    model, _ = load_model(tiny_model_path)
    info = choose_decodings(model, photos)
    assert "subjects" not in info and "validation_fields" not in info
    own = (model.temperature, model.saturation)
    assert own[0] in TEMPERATURES and own[1] in SATURATIONS
    table = info["validation"]
    inside = [k for k, v in table.items() if 0.85 <= v["colourfulness_ratio"] <= 1.15]
    best = min(inside, key=lambda k: table[k]["de00_coloured"]) if inside else \
        min(table, key=lambda k: abs(table[k]["colourfulness_ratio"] - 1))
    assert best == f"T={own[0]}, s={own[1]}"
    model, _ = load_model(tiny_model_path)
    info = choose_decodings(model, photos, fields)
    assert set(info["subjects"]) == {"photograph", "field"}
    assert info["subjects"]["photograph"] == {"temperature": own[0], "saturation": own[1]}
    assert (model.temperature, model.saturation) == own  # the photographs' is the model's own
    assert len(info["validation_fields"]) == len(TEMPERATURES) * len(SATURATIONS)


def test_train_preset_fusion_learns_a_residual_and_keeps_existing_files(tmp_path):
    import csv

    from astro_colorgan.cli.main import main
    from astro_colorgan.fusion._model import load_fusion_model

    data = tmp_path / "photos"
    data.mkdir()
    make_colour_images(data, n=12, size=64)
    out = tmp_path / "fusion.safetensors"
    args = ["train", str(data), "-o", str(out), "--preset", "fusion", "--max-steps", "4",
            "--crop", "48", "--batch-size", "2", "--workdir", str(tmp_path / "run")]
    assert main(args) == 0
    net = load_fusion_model(out)[0]
    assert net.head.weight.abs().sum() > 0  # the zero-initialised head moved
    with open(tmp_path / "run" / "loss.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert all(np.isfinite(float(r["loss"])) for r in rows)
    before = out.read_bytes()
    assert main(args) == 2  # exists: refused, nothing replaced
    assert out.read_bytes() == before
    assert main(args[:-2] + ["--epochs", "2"]) == 2
