"""Training the colorizer: presets, training pairs, the training loop.

The recipes (`PRESETS`, `Preset`, `get_preset`) need only the standard
library; the rest needs torch and is imported when it is first used.
"""

import importlib

from ._presets import PRESETS, Preset, get_preset

__all__ = ["PRESETS", "Preset", "get_preset", "train"]

# the names that need torch, and the module of each
_LAZY = {"train": "._trainer"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
