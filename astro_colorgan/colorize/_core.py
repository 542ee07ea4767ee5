"""Running the generator on plain luma arrays: padding, context, test-time augmentation."""

import numpy as np
import torch
import torch.nn.functional as F

from ..nets import SIZE_MULTIPLE

__all__ = ["pad_to_multiple", "dihedral", "undo_dihedral", "generator_output", "predict_chroma"]


def pad_to_multiple(luma, multiple=SIZE_MULTIPLE):
    """Reflect-pad a ``(batch, 1, ny, nx)`` tensor to sizes that are multiples of ``multiple``.

    Returns
    -------
    padded : `torch.Tensor`
    shape : tuple of int
        The original ``(ny, nx)``, to crop the result back.
    """
    ny, nx = luma.shape[-2:]
    py, px = (-ny) % multiple, (-nx) % multiple
    if py or px:
        mode = "reflect" if py < ny and px < nx else "replicate"
        luma = F.pad(luma, (0, px, 0, py), mode=mode)
    return luma, (ny, nx)


def dihedral(x, k):
    """The ``k``-th (0–7) rotation/flip of the last two axes."""
    if k >= 4:
        x = x.flip(-1)
    return torch.rot90(x, k % 4, dims=(-2, -1))


def undo_dihedral(x, k):
    """Inverse of `dihedral`."""
    x = torch.rot90(x, -(k % 4), dims=(-2, -1))
    return x.flip(-1) if k >= 4 else x


def generator_output(model, luma, context=None):
    """The generator's raw output for luma of any size.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
    luma : `torch.Tensor`
        ``(batch, 1, ny, nx)`` in [0, 1].
    context : `torch.Tensor`, optional
        Global context vector to use instead of the input's own.

    Returns
    -------
    raw : `torch.Tensor`
        Logits or chroma at 1/4 of the padded size.
    shape : tuple of int
        The unpadded ``(ny, nx)``.
    """
    padded, shape = pad_to_multiple(luma)
    return model.generator(padded, context), shape


def predict_chroma(model, luma, *, temperature=None, context=None, tta=False):
    """Full-resolution chroma for one luma image.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        The model, in evaluation mode.
    luma : `numpy.ndarray`
        ``(ny, nx)`` luma in [0, 1] with no NaN.
    temperature : float, optional
        Decoding temperature (default: the model's).
    context : `torch.Tensor`, optional
        Global context vector (default: the image's own).
    tta : bool
        Average the 8 rotations/flips.

    Returns
    -------
    chroma : `numpy.ndarray`
        ``(2, ny, nx)`` float32 Cb, Cr.
    spread : `numpy.ndarray` or None
        ``(ny, nx)`` standard deviation of the chroma over the 8 rotations/flips
        (the length of the per-pixel chroma standard-deviation vector) when
        ``tta`` is true.
    """
    device = next(model.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(luma, dtype=np.float32))[None, None].to(device)
    ny, nx = luma.shape
    outputs = []
    with torch.no_grad():
        for k in range(8 if tta else 1):
            padded, _ = pad_to_multiple(dihedral(x, k))
            full = model.decode(model.generator(padded, context), padded, temperature)
            size = (nx, ny) if k % 2 else (ny, nx)  # odd rotations swap the axes
            outputs.append(undo_dihedral(full[..., : size[0], : size[1]], k))
    stack = torch.cat(outputs).float()
    chroma = stack.mean(0).cpu().numpy()
    spread = None
    if tta:
        spread = stack.std(0, unbiased=False).pow(2).sum(0).sqrt().cpu().numpy()
    return chroma, spread
