"""The fusion network's model file: safetensors weights plus its configuration."""

import json
import os

import torch

from ._net import DetailNet

__all__ = ["save_fusion_model", "load_fusion_model", "FUSION_FORMAT"]

#: The ``format`` metadata of a fusion model file.
FUSION_FORMAT = "astro_colorgan.DetailNet/1"


def save_fusion_model(net, path, *, info=None, overwrite=False):
    """Save a `~astro_colorgan.fusion.DetailNet` as safetensors (float16 weights, no pickle),
    written whole or not at all.

    Parameters
    ----------
    net : `~astro_colorgan.fusion.DetailNet`
        The network.
    path : str or path-like
        The ``.safetensors`` file.
    info : dict, optional
        JSON-serialisable facts (recipe, steps, data), stored in the metadata.
    overwrite : bool
        Replace an existing file.
    """
    from safetensors.torch import save_file

    from ..io._files import atomic_output

    tensors = {k: v.detach().half().cpu().contiguous() for k, v in net.state_dict().items()}
    metadata = {"format": FUSION_FORMAT, "config": json.dumps(net.config),
                "info": json.dumps(info or {})}
    with atomic_output(path, overwrite) as temp:
        save_file(tensors, temp, metadata=metadata)


def load_fusion_model(path, *, device="cpu"):
    """Load a fusion network saved by `save_fusion_model`.

    Parameters
    ----------
    path : str or path-like
        The model file.
    device : str or `torch.device`
        Where to put the weights.

    Returns
    -------
    net : `~astro_colorgan.fusion.DetailNet`
        In evaluation mode, float32.
    info : dict
        The stored facts.

    Raises
    ------
    OSError
        If the file is missing or not a safetensors file.
    ValueError
        If it holds something else than a fusion network, or non-finite or
        non-float weights.
    """
    from ..nets._model import read_model_file

    path = os.fspath(path)
    metadata, tensors = read_model_file(path)
    if metadata.get("format") != FUSION_FORMAT:
        raise ValueError(f"{path} is not a fusion model (format {metadata.get('format')!r}, "
                         f"expected {FUSION_FORMAT!r})")
    bad = [k for k, v in tensors.items()
           if not v.is_floating_point() or not bool(torch.isfinite(v).all())]
    if bad:
        raise ValueError(f"{path} holds non-float or non-finite weights ({', '.join(bad[:3])})")
    try:
        config = json.loads(metadata["config"])
        net = DetailNet(**config)
        net.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    except (KeyError, TypeError, RuntimeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} holds a fusion model of another architecture: "
                         f"{str(exc).splitlines()[0][:200]}") from None
    return net.to(device).eval(), json.loads(metadata.get("info", "{}"))
