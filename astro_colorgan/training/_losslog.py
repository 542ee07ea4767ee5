"""The loss log of a training run: ``losses.csv`` and its plot ``losses.png``."""

import csv
import os

import numpy as np

__all__ = ["CSV_COLUMNS", "plot_losses", "trim_csv"]

#: Columns of the loss log ``losses.csv``.
CSV_COLUMNS = ("epoch", "step", "lr", "loss_g", "loss_ce", "loss_l1", "loss_l2", "loss_adv",
               "loss_d", "seconds")


def plot_losses(csv_path, png_path):
    """Plot the running means of the losses in ``csv_path`` into ``png_path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(rows))
    for name in CSV_COLUMNS[3:-1]:
        values = np.array([float(r[name]) if r[name] else np.nan for r in rows])
        if np.isfinite(values).any():
            k = max(1, len(values) // 100)
            smooth = np.convolve(np.nan_to_num(values), np.ones(k) / k, mode="valid")
            ax.plot(x[: len(smooth)], smooth, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (running mean)")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def trim_csv(csv_path, steps):
    """Keep only the rows of steps already done (for an exact resume)."""
    if not os.path.exists(csv_path):
        return
    with open(csv_path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= steps]
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
