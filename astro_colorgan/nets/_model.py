"""The colorizer model: a generator plus what is needed to decode it, saved as safetensors."""

import hashlib
import json
import math
import numbers
import os

import torch
import torch.nn.functional as F
from torch import nn

from ..colorspace import absolute_chroma
from ._generator import CHROMA_STRIDE, ChromaUNet
from ._quantize import annealed_mean, colour_confidence

__all__ = ["ColorModel", "check_model_name", "save_model", "load_model", "file_sha256",
           "resolve_device", "read_model_file"]

_FORMAT = "astro_colorgan.ColorModel/1"


class ColorModel(nn.Module):
    """Generator and chroma decoding, the unit that is saved and shipped.

    Parameters
    ----------
    width : int
        Width of the ``ChromaUNet``.
    head : {'classify', 'regress'}
        Output head of the generator.
    bin_centres : array-like, optional
        ``(K, 2)`` chroma bin centres (``classify`` head).
    bin_weights : array-like, optional
        ``(K,)`` rebalancing weights (``classify`` head, used in training).
    temperature : float
        Annealed-mean temperature used to decode bins into chroma.
    saturation : float
        Factor applied to the decoded relative chroma.
    hints : bool
        The generator also takes measured colour (a guided model, see
        ``HINT_CHANNELS``).
    subjects : bool
        The generator also takes the subject planes (``SUBJECT_CHANNELS``):
        what kind of image it colours.

    Notes
    -----
    The bins quantise the relative chroma (Cb, Cr) / (Y + eps).
    """

    def __init__(self, *, width=32, head="classify", bin_centres=None, bin_weights=None,
                 temperature=0.5, saturation=1.0, hints=False, subjects=False):
        super().__init__()
        n_bins = 1 if bin_centres is None else len(bin_centres)
        if head == "classify" and bin_centres is None:
            raise ValueError("a 'classify' model needs bin_centres")
        self.generator = ChromaUNet(width=width, head=head, n_bins=n_bins, hints=hints,
                                    subjects=subjects)
        centres = torch.zeros(n_bins, 2) if bin_centres is None else torch.as_tensor(bin_centres)
        weights = torch.ones(n_bins) if bin_weights is None else torch.as_tensor(bin_weights)
        self.register_buffer("bin_centres", centres.float().clone())
        self.register_buffer("bin_weights", weights.float().clone())
        _check_number("temperature", temperature, positive=True)
        _check_number("saturation", saturation, positive=False)
        self.temperature = float(temperature)
        self.saturation = float(saturation)
        self.head = head
        self.width = width

    @property
    def config(self):
        """The constructor arguments that are not tensors (a dict)."""
        return {"width": self.width, "head": self.head, "temperature": self.temperature,
                "saturation": self.saturation, "hints": self.generator.hints,
                "subjects": self.generator.subjects}

    @property
    def hints(self):
        """Whether the model takes measured colour as hints (bool)."""
        return self.generator.hints

    @property
    def subjects(self):
        """Whether the model is told what kind of image it colours (bool)."""
        return self.generator.subjects

    def bin_logits(self, raw):
        """The logits over the chroma bins in the generator's raw output (``classify``)."""
        return raw[:, :-1] if self.generator.gated else raw

    def relative_lowres(self, raw, temperature=None, x=None, gain=1.0):
        """Relative chroma at 1/4 resolution from the generator's raw output.

        For a guided model given its input ``x``, the measured colour enters
        here: where colour is measured (hint weight ``w``) the output is
        ``g u_measured + (1 - g) u_network`` with ``g = w sigmoid(gate)``, the
        gate a plane the network predicts for every pixel (0.95 at
        initialisation). Measured colour thus reaches the output as it is, and
        the network learns where to correct it (below the colour frame's
        resolution, where a filter is missing) and predicts all of it where
        nothing is measured.

        Parameters
        ----------
        raw : `torch.Tensor`
            Generator output.
        temperature : float, optional
            Decoding temperature (default: the model's).
        x : `torch.Tensor`, optional
            The generator's input ``(batch, C, ny, nx)`` (a guided model's hints).
        gain : float
            Factor on the network's own (predicted) relative chroma.

        Returns
        -------
        `torch.Tensor`
            ``(batch, 2, ny/4, nx/4)``.
        """
        if self.head == "regress":
            return gain * raw
        t = self.temperature if temperature is None else temperature
        predicted = gain * annealed_mean(self.bin_logits(raw), self.bin_centres, t)
        if not self.generator.gated or x is None:
            return predicted
        planes = F.avg_pool2d(x[:, 1:4].to(raw.dtype), CHROMA_STRIDE)
        weight = planes[:, 2:3]
        measured = planes[:, :2] / weight.clamp(min=1e-3)
        gate = weight * torch.sigmoid(raw[:, -1:])
        return gate * measured + (1 - gate) * predicted

    def decode(self, raw, x, temperature=None, saturation=None, *, hedge=0.0, weight=None):
        """Full-resolution chroma from the generator's raw output.

        The relative chroma is upsampled to the full resolution and multiplied
        by the full-resolution luma, so colour follows the luma's detail. A
        guided model's measured colour is blended in (see `relative_lowres`)
        at the full resolution: only the gate and the predicted colour are
        upsampled.

        Parameters
        ----------
        raw : `torch.Tensor`
            Generator output for ``x``.
        x : `torch.Tensor`
            ``(batch, C, ny, nx)`` the generator's input: the luma, then the
            hint planes of a guided model.
        temperature : float, optional
            Decoding temperature (default: the model's).
        saturation : float, optional
            Factor on the predicted relative chroma (default: the model's); it
            does not apply to measured colour (see `relative_lowres`), which is
            not amplified.
        hedge : float
            Predicted relative chroma is multiplied by ``c ** hedge``, ``c``
            the `~astro_colorgan.nets._quantize.colour_confidence` of the bin
            probabilities: 0 leaves it as decoded; larger values pull uncertain
            colour towards neutral (a ``classify`` head only).
        weight : `torch.Tensor`, optional
            ``(batch, 1, ny, nx)`` factor in [0, 1] on the predicted relative
            chroma at full resolution (e.g. 0 on the sky); measured colour is
            not weighted.

        Returns
        -------
        chroma : `torch.Tensor`
            ``(batch, 2, ny, nx)`` Cb, Cr.
        """
        gain = self.saturation if saturation is None else saturation
        if self.head == "regress":
            predicted = gain * raw
        else:
            t = self.temperature if temperature is None else temperature
            logits = self.bin_logits(raw)
            predicted = gain * annealed_mean(logits, self.bin_centres, t)
            if hedge:
                predicted = predicted * colour_confidence(logits, self.bin_centres) ** hedge
        if self.generator.gated:  # the gate is upsampled with the network's own colour
            predicted = torch.cat([predicted, torch.sigmoid(raw[:, -1:])], dim=1)
        up = F.interpolate(predicted, scale_factor=CHROMA_STRIDE, mode="bilinear",
                           align_corners=False)
        colour = up[:, :2] if weight is None else up[:, :2] * weight.to(up.dtype)
        if self.generator.gated:
            # a guided model blends measured colour at the luma's resolution: the
            # measured colour is not upsampled
            hint_weight = x[:, 3:4]
            gate = hint_weight * up[:, 2:]
            measured = x[:, 1:3] / hint_weight.clamp(min=1e-3)
            colour = gate * measured + (1 - gate) * colour
        return absolute_chroma(colour, x[:, :1])

    def forward(self, x, context=None, temperature=None):
        """Full-resolution chroma ``(batch, 2, ny, nx)`` for input ``(batch, C, ny, nx)``
        (the luma, then the hint planes of a guided model)."""
        return self.decode(self.generator(x, context), x, temperature)


def _check_number(name, value, *, positive):
    """Refuse a decoding constant that is not a finite number above 0 (or at least 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "positive" if positive else "at least 0"
        raise ValueError(f"{name} must be {bound} and finite, not {value!r}")


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

    from ..io._files import atomic_output

    path = os.fspath(path)
    check_model_name(path)
    metadata = {"format": _FORMAT, "config": json.dumps(model.config),
                "info": json.dumps(info or {})}
    # weights are stored in float16 (half the file, no measurable change in the colours);
    # the bin centres and weights stay float32
    tensors = {k: (v.half() if k.startswith("generator.") and v.is_floating_point() else v)
               .detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_output(path, overwrite) as temp:
        save_file(tensors, temp, metadata=metadata)


def check_model_name(path):
    """Refuse to write a model under a name that says another format.

    Raises
    ------
    ValueError
        If ``path`` does not end in ``.safetensors``: ``model.png`` would hold
        safetensors bytes that no image viewer reads.
    """
    if not os.fspath(path).lower().endswith(".safetensors"):
        raise ValueError(f"{os.fspath(path)}: a model file name ends in .safetensors")


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
    IsADirectoryError
        If ``path`` is a folder.
    ValueError
        If the file holds another architecture, weights that are NaN or
        infinite or not of the model's types (floats cast to int8), or a
        configuration that is not a JSON object or has a temperature of 0.
    """
    import textwrap

    path = os.fspath(path)
    metadata, tensors = read_model_file(path)
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
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
        if not isinstance(config, dict):
            raise ValueError(f"{path}: the model's configuration is not a JSON object "
                             f"({type(config).__name__}); the file is damaged")
        # keys of the research variants of earlier versions, at their plain values
        if config.pop("bin_space", "relative") != "relative" or config.pop("palette", False):
            raise ValueError("CIELAB bins and image-palette heads are no longer supported")
        info = json.loads(metadata.get("info", "{}"))
        model = ColorModel(bin_centres=tensors.get("bin_centres"),
                           bin_weights=tensors.get("bin_weights"), **config)
        _check_dtypes(path, model, tensors)
        model.load_state_dict(tensors, strict=True)
    except (KeyError, TypeError, RuntimeError, json.JSONDecodeError) as exc:
        # cut at a word boundary: the first mismatched weights say which architecture it is
        first = textwrap.shorten(" ".join(str(exc).split()), width=200, placeholder=" ...")
        raise ValueError(f"{path} holds a model of another architecture: {first}") from None
    except ValueError as exc:  # a configuration the model refuses, e.g. temperature 0
        if path in str(exc):
            raise
        raise ValueError(f"{path}: {exc}") from None
    return model.to(device).eval(), info


def _check_dtypes(path, model, tensors):
    """Refuse tensors whose kind (float, integer, bool) is not that of the model's own."""
    expected = model.state_dict()
    wrong = sorted(key for key, value in tensors.items() if key in expected and
                   value.is_floating_point() != expected[key].is_floating_point())
    if wrong:
        got, want = tensors[wrong[0]].dtype, expected[wrong[0]].dtype
        raise ValueError(f"{path} holds {str(got).replace('torch.', '')} weights where "
                         f"{str(want).replace('torch.', '')} (float) ones belong "
                         f"({', '.join(wrong[:3])}{', ...' if len(wrong) > 3 else ''}): "
                         "the file was converted or is damaged")


def read_model_file(path):
    """The metadata and tensors of a safetensors model file (on the CPU, as stored).

    Raises
    ------
    OSError
        If ``path`` is a folder, is missing or is not a safetensors file.
    """
    from safetensors import SafetensorError, safe_open

    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder, not a model file (.safetensors)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model file: {path}")
    try:
        with safe_open(path, framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise OSError(f"{path} is not a readable safetensors model file ({exc})") from None
    return metadata, tensors


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
                             "use device='cpu' or device='auto'")
        return torch.device(name)
    raise ValueError(f"unknown device {name!r}; use auto, cpu or cuda")
