"""Training checkpoints (``checkpoint.pt``): writing them, and reading them back, refusing
anything else in one line."""

import json
import os

__all__ = ["CHECKPOINT_KEYS", "read_checkpoint", "write_checkpoint"]

#: what every checkpoint written by `~astro_colorgan.training.train` holds
CHECKPOINT_KEYS = ("model", "opt_g", "epoch", "step", "info")


def read_checkpoint(path, *, map_location="cpu"):
    """Read and check a training checkpoint, before a resumed run creates anything.

    Parameters
    ----------
    path : str or path-like
        The ``checkpoint.pt`` of a run folder.
    map_location : str or `torch.device`
        Where the tensors are put (see `torch.load`).

    Returns
    -------
    state : dict
        The checkpoint: ``model``, ``opt_g`` (and ``disc``, ``opt_d`` for a GAN
        recipe), ``epoch``, ``step`` and ``info`` (JSON text with ``recipe`` and ``seed``).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a checkpoint written by ``astro-colorize train``
        (a model file, a text file, damaged bytes).
    """
    import torch

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such checkpoint: {path}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Is a directory, not a checkpoint: {path}")
    what = (f"{path} is not a training checkpoint (the checkpoint.pt in the run folder of "
            "'astro-colorize train')")
    if path.lower().endswith(".safetensors"):
        raise ValueError(f"{what}: it is named like a model file, which holds no training state")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # the unpickler and zip reader raise many types on foreign files
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ValueError(f"{what}: {type(exc).__name__}: {detail}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{what}: it holds a {type(state).__name__}")
    missing = [key for key in CHECKPOINT_KEYS if key not in state]
    if missing:
        raise ValueError(f"{what}: it lacks {', '.join(missing)}")
    try:
        info = json.loads(state["info"])
        if not isinstance(info, dict) or "recipe" not in info or "seed" not in info:
            raise ValueError("no recipe or seed")
        int(state["epoch"]), int(state["step"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: its run information is damaged ({exc!r})") from None
    return state


def write_checkpoint(path, model, disc, opt_g, opt_d, epoch, step, info):
    """Write the state of a run to ``path`` whole (through a temporary file), with the
    run's ``info`` as JSON."""
    import torch

    state = {"model": model.state_dict(), "opt_g": opt_g.state_dict(), "epoch": epoch,
             "step": step, "info": json.dumps(info)}
    if disc is not None:
        state.update(disc=disc.state_dict(), opt_d=opt_d.state_dict())
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)
