"""Reading what a training run leaves in its working folder."""

import csv
import os

__all__ = ["read_losses"]


def read_losses(workdir):
    """The rows of a run's ``losses.csv``, as dicts of strings."""
    with open(os.path.join(workdir, "losses.csv"), newline="") as handle:
        return list(csv.DictReader(handle))
