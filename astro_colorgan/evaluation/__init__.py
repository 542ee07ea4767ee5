"""Evaluation of colorizers on the fixed protocol."""

from ._evaluate import EvaluationResult, evaluate, format_table
from ._modes import BASELINES, HINT_MODES, PATHS, classical_lrgb, lrgb_frame
from ._metrics import (METRIC_NAMES, colourfulness, image_metrics, mean_metrics, pixel_masks,
                       standard_errors)

__all__ = ["BASELINES", "HINT_MODES", "PATHS", "classical_lrgb", "lrgb_frame", "METRIC_NAMES", "colourfulness", "image_metrics", "mean_metrics",
           "pixel_masks", "standard_errors", "evaluate",
           "EvaluationResult", "format_table"]
