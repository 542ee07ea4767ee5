"""The colorizer model: a generator plus what is needed to decode it, saved as safetensors."""

import hashlib
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

from ._color import absolute_chroma
from ._generator import CHROMA_STRIDE, ChromaUNet
from ._quantize import annealed_mean, annealed_mean_at_luma, lab_bin_table

__all__ = ["ColorModel", "save_model", "load_model", "file_sha256", "resolve_device"]

_FORMAT = "astro_colorgan.ColorModel/1"


class ColorModel(nn.Module):
    """Generator and chroma decoding, the unit that is saved and shipped.

    Parameters
    ----------
    width : int
        Width of the `ChromaUNet`.
    head : {'classify', 'regress'}
        Output head of the generator.
    bin_centres : array-like, optional
        ``(K, 2)`` chroma bin centres (``classify`` head).
    bin_space : {'relative', 'lab'}
        What the bins quantise: relative chroma (Cb, Cr) / (Y + eps), or
        CIELAB (a*, b*) (decoded through `~astro_colorgan.nets.lab_bin_table`
        at each pixel's luma).
    bin_weights : array-like, optional
        ``(K,)`` rebalancing weights (``classify`` head, used in training).
    temperature : float
        Annealed-mean temperature used to decode bins into chroma.
    saturation : float
        Factor applied to the decoded relative chroma.
    palette : bool
        The generator predicts each image's palette (see `ChromaUNet`).
    """

    def __init__(self, *, width=32, head="classify", bin_centres=None, bin_weights=None,
                 temperature=0.5, saturation=1.0, bin_space="relative", palette=False):
        super().__init__()
        if bin_space not in ("relative", "lab"):
            raise ValueError(f"bin_space must be 'relative' or 'lab', not {bin_space!r}")
        n_bins = 1 if bin_centres is None else len(bin_centres)
        if head == "classify" and bin_centres is None:
            raise ValueError("a 'classify' model needs bin_centres")
        self.generator = ChromaUNet(width=width, head=head, n_bins=n_bins, palette=palette)
        centres = torch.zeros(n_bins, 2) if bin_centres is None else torch.as_tensor(bin_centres)
        weights = torch.ones(n_bins) if bin_weights is None else torch.as_tensor(bin_weights)
        self.register_buffer("bin_centres", centres.float().clone())
        self.register_buffer("bin_weights", weights.float().clone())
        if head == "classify" and bin_space == "lab":
            self.register_buffer("bin_table", torch.from_numpy(lab_bin_table(self.bin_centres)))
        self.bin_space = bin_space
        self.temperature = float(temperature)
        self.saturation = float(saturation)
        self.head = head
        self.width = width

    @property
    def config(self):
        """The constructor arguments that are not tensors (a dict)."""
        return {"width": self.width, "head": self.head, "temperature": self.temperature,
                "saturation": self.saturation, "bin_space": self.bin_space,
                "palette": self.generator.palette}

    def relative_lowres(self, raw, temperature=None, luma_low=None):
        """Relative chroma at 1/4 resolution from the generator's raw output (no saturation).

        Parameters
        ----------
        raw : `torch.Tensor`
            Generator output.
        temperature : float, optional
            Decoding temperature (default: the model's).
        luma_low : `torch.Tensor`, optional
            ``(batch, 1, ny/4, nx/4)`` block-mean luma, needed by CIELAB bins.
        """
        if self.head == "regress":
            return raw
        t = self.temperature if temperature is None else temperature
        if self.bin_space == "lab":
            if luma_low is None:
                raise ValueError("CIELAB bins are decoded at a luma: give luma_low")
            return annealed_mean_at_luma(raw, self.bin_table, luma_low, t)
        return annealed_mean(raw, self.bin_centres, t)

    def decode(self, raw, luma, temperature=None, saturation=None):
        """Full-resolution chroma from the generator's raw output.

        The relative chroma is upsampled to the full resolution and multiplied
        by the full-resolution luma, so colour follows the luma's detail.

        Parameters
        ----------
        raw : `torch.Tensor`
            Generator output for ``luma``.
        luma : `torch.Tensor`
            ``(batch, 1, ny, nx)`` luma the generator saw.
        temperature : float, optional
            Decoding temperature (default: the model's).
        saturation : float, optional
            Factor on the relative chroma (default: the model's).

        Returns
        -------
        chroma : `torch.Tensor`
            ``(batch, 2, ny, nx)`` Cb, Cr.
        """
        gain = self.saturation if saturation is None else saturation
        luma_low = F.avg_pool2d(luma, CHROMA_STRIDE) if self.bin_space == "lab" else None
        low = gain * self.relative_lowres(raw, temperature, luma_low)
        up = F.interpolate(low, scale_factor=CHROMA_STRIDE, mode="bilinear", align_corners=False)
        return absolute_chroma(up, luma)

    def forward(self, luma, context=None, temperature=None):
        """Full-resolution chroma ``(batch, 2, ny, nx)`` for luma ``(batch, 1, ny, nx)``."""
        return self.decode(self.generator(luma, context), luma, temperature)


def file_sha256(path):
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model, path, *, info=None, overwrite=False):
    """Save a `ColorModel` as a safetensors file (no pickle), written whole or not at all.

    Parameters
    ----------
    model : `ColorModel`
        The model.
    path : str or path-like
        Output file.
    info : dict, optional
        JSON-serialisable facts about the model (training recipe, data, ...),
        stored in the file's metadata.
    overwrite : bool
        Replace an existing file.
    """
    from safetensors.torch import save_file

    from ..io import check_output_path

    path = os.fspath(path)
    check_output_path(path, overwrite=overwrite)
    metadata = {"format": _FORMAT, "config": json.dumps(model.config),
                "info": json.dumps(info or {})}
    # weights are stored in float16 (half the file, no measurable change in the colours);
    # the bin centres and weights stay float32
    tensors = {k: (v.half() if k.startswith("generator.") and v.is_floating_point() else v)
               .detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        save_file(tensors, tmp, metadata=metadata)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_model(path, *, device="cpu"):
    """Load a `ColorModel` saved by `save_model`.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file.
    device : str or `torch.device`
        Where to put the weights.

    Returns
    -------
    model : `ColorModel`
        In evaluation mode.
    info : dict
        The metadata stored with the model.

    Raises
    ------
    OSError
        If the file is missing or is not a safetensors file.
    ValueError
        If the file holds another architecture, or weights that are NaN or infinite.
    """
    import textwrap

    from safetensors import SafetensorError, safe_open

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model file: {path}")
    try:
        with safe_open(path, framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        tensors = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise OSError(f"{path} is not a readable safetensors model file ({exc})") from None
    damaged = [key for key, value in tensors.items()
               if value.is_floating_point() and not bool(torch.isfinite(value).all())]
    if damaged:
        raise ValueError(f"{path} holds non-finite weights (NaN or infinity in "
                         f"{', '.join(sorted(damaged)[:3])}{', ...' if len(damaged) > 3 else ''}"
                         "): the file is damaged or its training diverged")
    if metadata.get("format") != _FORMAT:
        raise ValueError(f"{path} is not an astro_colorgan model (format "
                         f"{metadata.get('format')!r}, expected {_FORMAT!r})")
    try:
        config = json.loads(metadata["config"])
        info = json.loads(metadata.get("info", "{}"))
        model = ColorModel(bin_centres=tensors.get("bin_centres"),
                           bin_weights=tensors.get("bin_weights"), **config)
        model.load_state_dict(tensors, strict=True)
    except (KeyError, TypeError, RuntimeError, json.JSONDecodeError) as exc:
        # cut at a word boundary: the first mismatched weights say which architecture it is
        first = textwrap.shorten(" ".join(str(exc).split()), width=200, placeholder=" ...")
        raise ValueError(f"{path} holds a model of another architecture: {first}") from None
    return model.to(device).eval(), info


def resolve_device(device):
    """Turn ``'auto'``, ``'cpu'`` or ``'cuda[:N]'`` into a `torch.device`.

    ``'auto'`` takes CUDA where it exists and the CPU otherwise; an explicit
    ``'cuda'`` without a GPU is an error.

    Raises
    ------
    ValueError
        For an unknown device, or CUDA asked for where there is none.
    """
    name = str(device)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} asked for, but PyTorch sees no CUDA GPU here; "
                             "use --device cpu or auto")
        return torch.device(name)
    raise ValueError(f"unknown device {name!r}; use auto, cpu or cuda")
