"""Evaluation of colorizers on the fixed protocol."""

from ._evaluate import EvaluationResult, evaluate
from ._modes import HINT_MODES, classical_lrgb, lrgb_frame
from ._metrics import (METRIC_NAMES, colourfulness, image_metrics, pixel_masks,
                       standard_errors)

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["evaluate", "EvaluationResult", "image_metrics", "colourfulness",
           "classical_lrgb", "lrgb_frame", "HINT_MODES", "pixel_masks",
           "standard_errors"]
