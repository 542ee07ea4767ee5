"""Training the colorizer: presets, training pairs, the training loop."""

from ._inputs import HINT_MODES, guided_input
from ._presets import PRESETS, Preset, get_preset
from ._samples import TrainingImages
from ._losslog import CSV_COLUMNS
from ._trainer import train
from ._validation import COLOURFULNESS_BAND, SATURATIONS, TEMPERATURES, choose_temperature

__all__ = ["HINT_MODES", "guided_input", "PRESETS", "Preset", "get_preset", "TrainingImages", "train",
           "CSV_COLUMNS", "choose_temperature", "TEMPERATURES", "SATURATIONS",
           "COLOURFULNESS_BAND"]
