"""Evaluation of colorizers on the fixed protocol."""

from ._metrics import METRIC_NAMES, colourfulness, image_metrics, mean_metrics

__all__ = ["METRIC_NAMES", "colourfulness", "image_metrics", "mean_metrics"]
