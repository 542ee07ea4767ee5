"""Evaluation of colorizers on the fixed protocol."""

from ._evaluate import EvaluationResult, evaluate
from ._modes import HINT_MODES, classical_lrgb, lrgb_frame
from ._metrics import colourfulness, image_metrics, pixel_masks, standard_errors

__all__ = ["evaluate", "EvaluationResult", "image_metrics", "colourfulness",
           "classical_lrgb", "lrgb_frame", "HINT_MODES", "pixel_masks",
           "standard_errors"]
