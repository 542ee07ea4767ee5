"""Tests of the evaluation protocol and its report."""

import numpy as np
import pytest

from astro_colorgan.evaluation import (EvaluationResult, colourfulness, evaluate, image_metrics,
                                       pixel_masks, standard_errors)
from astro_colorgan.evaluation._metrics import METRIC_NAMES

from _colour_images import make_colour_images


def test_metrics_of_perfect_and_grey_predictions():
    rng = np.random.default_rng(0)
    truth = rng.random((32, 32, 3))
    perfect = image_metrics(truth, truth)
    assert perfect["rmse"] == 0 and perfect["de00_all"] == 0
    assert perfect["colourfulness_ratio"] == pytest.approx(1)
    grey = np.repeat(truth.mean(-1, keepdims=True), 3, -1)
    m = image_metrics(truth, grey)
    assert m["colourfulness_ratio"] == 0 and m["de00_coloured"] > 5
    assert m["psnr"] < 40 and 0 < m["ssim"] < 1


def test_pixel_masks_follow_the_protocol_thresholds():
    # L* 10 / 20 / 20 / 20 with chroma 30 / 5 / 10.5 / 30
    lab = np.array([[[10.0, 30, 0], [20, 3, 4], [20, 0, -10.5], [20, 18, 24]]])
    foreground, coloured = pixel_masks(lab)
    assert foreground.tolist() == [[False, True, True, True]]
    assert coloured.tolist() == [[False, False, True, True]]
    assert pixel_masks(lab, chroma_threshold=20)[1].tolist() == [[False, False, False, True]]


def test_colourfulness_grows_with_saturation():
    base = np.random.default_rng(1).random((16, 16, 3))
    grey = base.mean(-1, keepdims=True)
    assert colourfulness(grey + 0.5 * (base - grey)) < colourfulness(base)


def test_evaluate_writes_report(tmp_path, tiny_model_path):
    data = tmp_path / "data"
    data.mkdir()
    make_colour_images(data, n=4, size=40)
    report = tmp_path / "report"
    result = evaluate(data, models=[tiny_model_path], split="all", report=report)
    assert result.systems == ["grey", "tiny"]
    assert len(result.names) == 4
    assert result.means["grey"]["colourfulness_ratio"] == 0
    assert np.isfinite(result.means["tiny"]["de00_coloured"])
    table = result.table()
    assert "ΔE00 coloured" in table and "tiny" in table
    written = (report / "metrics.rst").read_text()
    assert written == table + "\n\n" + result.uncertainty_table() + "\n"
    assert (report / "per_image.csv").read_text().count("\n") == 1 + 2 * 4
    assert (report / "comparison_01.png").exists()
    with pytest.raises(OSError, match="already exists"):
        evaluate(data, models=[tiny_model_path], split="all", report=report)


def test_evaluate_bad_input(tmp_path, tiny_model_path):
    with pytest.raises(ValueError, match="no colour image"):
        evaluate(tmp_path, models=[tiny_model_path])
    from PIL import Image

    Image.fromarray(np.full((16, 16), 90, np.uint8)).save(tmp_path / "grey.png")
    with pytest.raises(ValueError, match="no coloured image"):
        evaluate(tmp_path, models=[tiny_model_path], split="all")


def _rows(values, metric="de00_coloured"):
    return [{name: (value if name == metric else 1.0) for name in METRIC_NAMES}
            for value in values]


def test_standard_errors_skip_nan():
    errors = standard_errors(_rows([10.0, 12.0, np.nan, 17.0]))
    assert errors["de00_coloured"] == pytest.approx(np.std([10, 12, 17], ddof=1) / np.sqrt(3))
    assert errors["psnr"] == 0
    assert np.isnan(standard_errors(_rows([10.0, np.nan]))["de00_coloured"])
    assert standard_errors([{"x": 1.0}, {"x": 3.0}], names=["x"]) == {"x": 1.0}


def test_paired_difference_cancels_the_spread_between_images():
    # hard and easy images: a model 1 better than grey on every image except
    # one it cannot score has a paired difference of exactly -1 with no spread,
    # though each mean has a large standard error
    grey = [5.0, 30.0, 12.0, 20.0]
    model = [4.0, 29.0, 11.0, np.nan]
    result = EvaluationResult(["a", "b", "c", "d"], {"grey": _rows(grey), "m": _rows(model)})
    assert result.paired_difference("m") == (pytest.approx(-1), pytest.approx(0))
    assert result.paired_difference("grey") == (0, 0)
    assert result.standard_errors["m"]["de00_coloured"] > 5
    table = result.uncertainty_table()
    assert "-1.00" in table and "over 4 scored images" in table
    assert [line.split()[0] for line in table.splitlines()[3:5]] == ["grey", "m"]


def test_evaluate_guided_mode_scores_every_classical_fusion_and_the_model(tmp_path):
    from astro_colorgan.evaluation._modes import CLASSICAL_CHOICE
    from astro_colorgan.fusion import DetailNet
    from astro_colorgan.fusion._model import save_fusion_model

    data = tmp_path / "data"
    data.mkdir()
    make_colour_images(data, n=3, size=48)
    untrained = tmp_path / "untrained.safetensors"
    save_fusion_model(DetailNet(width=8), untrained)
    report = tmp_path / "report"
    result = evaluate(data, models=[untrained], split="all", hints="lrgb4", report=report)
    assert result.baseline == CLASSICAL_CHOICE["lrgb4"] == result.systems[0]
    assert {"protocol classical", "lstar blur2", "ratio blur0"} <= set(result.systems)
    assert result.systems[-1] == "untrained"
    # an untrained residual is the classical fusion with projection, image by image
    assert result.paired_difference("untrained") == (0.0, 0.0)
    assert result.means["ratio+projection blur0"]["chi2"] < result.means["ratio blur0"]["chi2"]
    table = result.table()
    assert "ERGAS" in table and "SAM" in table and "χ²/pixel" in table
    assert "ergas" in (report / "per_image.csv").read_text().splitlines()[0]
    with pytest.raises(ValueError, match="hints='wald'"):
        evaluate(data, models=[untrained], split="all", hints="lrgb4", path="users")


def test_sky_chroma_and_fraction_worse_than_the_baseline():
    truth = np.zeros((8, 8, 3))
    truth[:4] = (0.8, 0.3, 0.2)  # an orange object above black sky
    clean = image_metrics(truth, truth)
    assert clean["sky_chroma"] == pytest.approx(0, abs=1e-6)
    painted = truth.copy()
    painted[4:] = (0.1, 0.0, 0.0)  # red blotches on the sky
    assert image_metrics(truth, painted)["sky_chroma"] > 5
    rows = {"grey": _rows([1.0, 2.0, 3.0, 4.0]), "model": _rows([0.5, 2.5, 2.0, 5.0])}
    result = EvaluationResult(["a", "b", "c", "d"], rows, baseline="grey")
    assert result.fraction_worse("model") == 0.5
    assert "worse than grey" in result.uncertainty_table()


def test_the_command_offers_every_mode():
    from astro_colorgan.cli._evaluate import HINT_CHOICES
    from astro_colorgan.evaluation import HINT_MODES

    assert HINT_CHOICES == HINT_MODES
