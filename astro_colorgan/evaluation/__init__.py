"""Evaluation of colorizers on the fixed protocol."""

from ._evaluate import EvaluationResult, evaluate, format_table
from ._metrics import (METRIC_NAMES, colourfulness, image_metrics, mean_metrics, pixel_masks,
                       standard_errors)

__all__ = ["METRIC_NAMES", "colourfulness", "image_metrics", "mean_metrics",
           "pixel_masks", "standard_errors", "evaluate",
           "EvaluationResult", "format_table"]
