"""Training the colorizer: presets, training pairs, the training loop.

The recipes (`PRESETS`, `Preset`, `get_preset`) need only the standard
library; the rest needs torch and is imported when it is first used.
"""

import importlib

from ._presets import PRESETS, Preset, get_preset

__all__ = ["PRESETS", "Preset", "get_preset", "train"]

# the names that need torch, and the module of each; all but `train` are shared with the
# rest of the package, tests and scripts, not part of the public API
_LAZY = {"train": "._trainer", "guided_input": "._inputs", "HINT_MODES": "._inputs",
         "TrainingImages": "._samples", "CSV_COLUMNS": "._losslog",
         "choose_temperature": "._validation", "TEMPERATURES": "._validation",
         "SATURATIONS": "._validation", "COLOURFULNESS_BAND": "._validation"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
