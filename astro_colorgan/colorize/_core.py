"""Running the generator on input tensors: padding, rotations/flips, shared normalisation."""

import numpy as np
import torch

from ..nets._generator import SIZE_MULTIPLE

__all__ = ["pad_to_multiple", "dihedral", "undo_dihedral", "frozen_normalisation"]


def pad_to_multiple(luma, multiple=SIZE_MULTIPLE):
    """Reflect-pad a ``(batch, 1, ny, nx)`` tensor to sizes that are multiples of ``multiple``.

    Returns
    -------
    padded : `torch.Tensor`
    shape : tuple of int
        The original ``(ny, nx)``, to crop the result back.
    """
    from ..fusion._fuse import pad_for

    return pad_for(luma, multiple)


def dihedral(x, k):
    """The ``k``-th (0–7) rotation/flip of the last two axes of a tensor or array."""
    if isinstance(x, np.ndarray):
        # a copy: torch refuses the negative strides of numpy's rotated and flipped views
        return np.ascontiguousarray(np.rot90(x[..., ::-1] if k >= 4 else x, k % 4, axes=(-2, -1)))
    if k >= 4:
        x = x.flip(-1)
    return torch.rot90(x, k % 4, dims=(-2, -1))


def undo_dihedral(x, k):
    """Inverse of `dihedral`."""
    if isinstance(x, np.ndarray):
        x = np.rot90(x, -(k % 4), axes=(-2, -1))
        return np.ascontiguousarray(x[..., ::-1] if k >= 4 else x)
    x = torch.rot90(x, -(k % 4), dims=(-2, -1))
    return x.flip(-1) if k >= 4 else x


class frozen_normalisation:
    """Context manager: GroupNorm statistics taken once from a whole image, then fixed.

    GroupNorm does not depend on the batch, but it does depend on the extent of
    the image it sees: a tile normalised with its own statistics would get
    other colours than the same pixels in the whole image, and neighbouring
    tiles would disagree. Inside this context every GroupNorm of the
    generator normalises with the per-group mean and variance measured on
    ``reference`` (the whole image, or its thumbnail for large images), so all
    tiles are treated alike. For an image that is its own reference the
    results are those of the plain network.

    Parameters
    ----------
    model : `~astro_colorgan.nets.ColorModel`
        The model.
    reference : `torch.Tensor`
        ``(1, 1, ny, nx)`` luma, sizes multiples of 16.

    Examples
    --------
    >>> import torch
    >>> from astro_colorgan.nets import ColorModel
    >>> _ = torch.manual_seed(0)
    >>> model = ColorModel(width=8, head="regress").eval()
    >>> image = torch.rand(1, 1, 64, 64)
    >>> with torch.no_grad():
    ...     plain = model.generator(image)
    ...     with frozen_normalisation(model, image) as context:
    ...         frozen = model.generator(image, context)
    >>> bool(torch.allclose(plain, frozen, atol=1e-4))  # the same up to float32 rounding
    True
    """

    def __init__(self, model, reference):
        self.model = model
        self.reference = reference
        self.norms = [m for m in model.generator.modules() if isinstance(m, torch.nn.GroupNorm)]
        self.stats = {}

    def __enter__(self):
        hooks = [norm.register_forward_pre_hook(self._capture) for norm in self.norms]
        try:
            with torch.no_grad():
                self.model.generator(self.reference)
                context = self.model.generator.encode_context(self.reference)
        finally:
            for hook in hooks:
                hook.remove()
        # with fixed statistics a GroupNorm is a per-channel affine map: fold it into
        # the convolution before it where there is one, else apply it as such
        self.swapped = []
        folded = set()
        for module in self.model.generator.modules():
            if not isinstance(module, torch.nn.Sequential):
                continue
            for index in range(len(module) - 1):
                conv, norm = module[index], module[index + 1]
                if (isinstance(conv, torch.nn.Conv2d) and norm in self.stats
                        and conv.out_channels == norm.num_channels):
                    self.swapped.append((module, index, conv, norm))
                    module[index] = self._fold(conv, norm)
                    module[index + 1] = torch.nn.Identity()
                    folded.add(norm)
        for norm in self.norms:
            if norm not in folded:
                scale, shift = self._affine(norm)
                norm.forward = _affine_forward(scale[None, :, None, None],
                                               shift[None, :, None, None])
        self.unfolded = [norm for norm in self.norms if norm not in folded]
        return context

    def __exit__(self, *exc):
        for module, index, conv, norm in reversed(self.swapped):
            module[index], module[index + 1] = conv, norm
        for norm in self.unfolded:
            del norm.forward  # back to the class's method
        return False

    def _capture(self, module, inputs):
        if module in self.stats:  # encode_context runs the encoder a second time
            return
        x = inputs[0]
        grouped = x.reshape(x.shape[0], module.num_groups, -1)
        self.stats[module] = (grouped.mean(-1), grouped.var(-1, unbiased=False))

    def _affine(self, module):
        """Per-channel ``scale``, ``shift`` of the frozen GroupNorm ``module``."""
        mean, var = self.stats[module]
        per_group = module.num_channels // module.num_groups
        inv = torch.rsqrt(var[0] + module.eps).repeat_interleave(per_group)
        mean = mean[0].repeat_interleave(per_group)
        scale = module.weight * inv
        return scale.detach(), (module.bias - mean * scale).detach()

    def _fold(self, conv, norm):
        """A copy of ``conv`` followed by the frozen ``norm``, as one convolution."""
        scale, shift = self._affine(norm)
        folded = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                                 stride=conv.stride, padding=conv.padding,
                                 dilation=conv.dilation, groups=conv.groups, bias=True,
                                 padding_mode=conv.padding_mode).to(conv.weight)
        with torch.no_grad():
            folded.weight.copy_(conv.weight * scale[:, None, None, None])
            bias = shift if conv.bias is None else shift + scale * conv.bias
            folded.bias.copy_(bias)
        return folded.eval()


def _affine_forward(scale, shift):
    def forward(x):
        return torch.addcmul(shift, x, scale)

    return forward
