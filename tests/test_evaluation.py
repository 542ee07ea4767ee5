"""Tests of the evaluation protocol and its report."""

import numpy as np
import pytest

from astro_colorgan.evaluation import colourfulness, evaluate, image_metrics

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
    assert (report / "metrics.rst").read_text().strip() == table
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
