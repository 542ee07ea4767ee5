"""Training pairs: images held in memory, cut into augmented crops reproducibly."""

import os
import warnings

import numpy as np
from astropy import log
from astropy.utils.exceptions import AstropyUserWarning

from ..datasets import is_coloured, read_color_image
from ..datasets._folder import field_filters, is_field_folder, read_field
from ._inputs import display_luma

__all__ = ["TrainingImages"]


class TrainingImages:
    """The colour images of a training run, shrunk and kept in memory.

    Parameters
    ----------
    paths : list of str
        Image files (see `~astro_colorgan.datasets.find_images`).
    max_side : int
        Longest side after shrinking.
    drop_grey : bool
        Leave out images that have no colour.

    Attributes
    ----------
    images : list of `numpy.ndarray`
        ``(ny, nx, 3)`` float32 RGB in [0, 1].
    bands : list
        Per image, `None` for a photograph; for a simulated field, its filters'
        linear images through the default display scaling (`display_luma`),
        ``(n_filters, ny, nx)``: the users' path of a field is its own data.
    wavelengths : list
        Per image, `None` for a photograph; for a field, its filters'
        wavelengths in nm, blue to red (``PHOTPLAM`` of `field_filters`).

    Raises
    ------
    ValueError
        If no usable image remains.
    """

    def __init__(self, paths, *, max_side=256, drop_grey=True):
        self.images = []
        self.bands = []
        self.wavelengths = []
        self.names = []
        self.max_side = max_side
        self.drop_grey = drop_grey
        added, skipped_grey = self._read(paths)
        if not added:
            raise ValueError("no usable colour image to train on"
                             + (f" ({skipped_grey} grey images left out)" if skipped_grey else ""))
        log.info(f"{added} training images in memory"
                 + (f", {skipped_grey} grey ones left out" if skipped_grey else ""))

    def _read(self, paths, limit=None):
        """Read images until ``limit`` are added; the numbers added and left out as grey."""
        added = skipped_grey = 0
        for path in paths:
            if limit is not None and added >= limit:
                break
            try:
                if is_field_folder(path):
                    rgb, linear = read_field(path, max_side=self.max_side)
                else:
                    rgb, linear = read_color_image(path, max_side=self.max_side), None
            except (OSError, ValueError) as exc:
                warnings.warn(f"skipping {os.path.basename(path)}: {exc}", AstropyUserWarning,
                              stacklevel=3)
                continue
            if min(rgb.shape[:2]) < 8:
                warnings.warn(f"skipping {os.path.basename(path)}: smaller than 8 px",
                              AstropyUserWarning, stacklevel=3)
                continue
            if self.drop_grey and not is_coloured(rgb):
                skipped_grey += 1
                continue
            self.wavelengths.append(None if linear is None else [
                float(h["PHOTPLAM"]) / 10 for h in field_filters(path)])
            self.images.append(rgb)
            self.bands.append(None if linear is None else np.stack(
                [display_luma(plane, name=os.path.basename(path)) for plane in linear]))
            self.names.append(os.path.basename(path))
            added += 1
        return added, skipped_grey

    def mix_in(self, paths, fraction):
        """Add images (simulated fields) until they are ``fraction`` of all the images.

        Parameters
        ----------
        paths : list of str
            Candidates, taken in order (grey ones are left out as usual).
        fraction : float
            The share of the added images among all, in [0, 1).

        Raises
        ------
        ValueError
            If the candidates are too few for the share asked.
        """
        want = round(len(self.images) * fraction / (1 - fraction))
        added, _ = self._read(paths, limit=want)
        if added < want:
            raise ValueError(f"{added} usable simulated fields, fewer than the {want} needed "
                             f"to make {fraction:.0%} of the training images")
        log.info(f"{added} simulated fields mixed in ({fraction:.0%} of {len(self.images)} "
                 "training images)")

    def __len__(self):
        return len(self.images)

    def sample(self, index, *, epoch, seed, crop, scale_jitter=(1.0, 1.0), augment=True,
               gamma_jitter=(1.0, 1.0), band=False):
        """One augmented crop, the same for the same (index, epoch, seed).

        The image is rescaled by a random factor in ``scale_jitter``, cropped,
        given a random display stretch ``rgb ** gamma`` with ``gamma`` in
        ``gamma_jitter`` (astronomers stretch their images differently), and
        rotated/flipped at random when ``augment`` is true.

        Parameters
        ----------
        band : bool, optional
            Also return one of a field's display-scaled filters (drawn at
            random), cut and turned as the crop is.

        Returns
        -------
        rgb : `numpy.ndarray`
            float32 ``(3, crop, crop)``.
        band : `numpy.ndarray` or `None`
            Only with ``band=True``: float32 ``(crop, crop)``, or `None` for a
            photograph.
        which : int or `None`
            Only with ``band=True``: the index of that filter (`None` for a
            photograph).
        """
        from PIL import Image

        rng = np.random.default_rng([seed, epoch, index])
        rgb = self.images[index]
        if band and self.bands[index] is not None:  # the filters ride along as channels
            rgb = np.concatenate([rgb, np.moveaxis(self.bands[index], 0, -1)], axis=-1)
        ny, nx = rgb.shape[:2]
        lo, hi = np.log(scale_jitter[0]), np.log(scale_jitter[1])
        scale = float(np.exp(rng.uniform(lo, hi)))
        scale = max(scale, crop / min(ny, nx))  # never smaller than the crop
        size = (max(crop, round(nx * scale)), max(crop, round(ny * scale)))
        if size != (nx, ny):
            rgb = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., c]))
                                       .resize(size, Image.BICUBIC))
                            for c in range(rgb.shape[-1])], -1)
            rgb = np.clip(rgb, 0, 1)
        y0 = int(rng.integers(0, rgb.shape[0] - crop + 1))
        x0 = int(rng.integers(0, rgb.shape[1] - crop + 1))
        out = rgb[y0:y0 + crop, x0:x0 + crop]
        gamma = float(np.exp(rng.uniform(np.log(gamma_jitter[0]), np.log(gamma_jitter[1]))))
        if gamma != 1.0:  # the display stretch of the truth, not of the data
            out = np.concatenate([np.power(out[..., :3], gamma), out[..., 3:]], axis=-1)
        if augment:
            k = int(rng.integers(0, 8))
            out = np.rot90(out[:, ::-1] if k >= 4 else out, k % 4)
        out = np.ascontiguousarray(np.moveaxis(out, -1, 0), dtype=np.float32)
        if not band:
            return out
        if out.shape[0] == 3:
            return out, None, None
        which = int(rng.integers(0, out.shape[0] - 3))
        return out[:3], out[3 + which], which

    def subject(self, index, which=None):
        """The subject planes' values of an image (`~astro_colorgan.colorize.subject_vector`).

        Parameters
        ----------
        index : int
            The image.
        which : int, optional
            For a field, the filter colorized (default: the middle one, whose
            luma the composite's is closest to).

        Returns
        -------
        `numpy.ndarray`
            float32 ``(4,)``.
        """
        from ..colorize._subject import subject_vector

        waves = self.wavelengths[index]
        if waves is None:
            return subject_vector("photograph")
        which = len(waves) // 2 if which is None else which
        return subject_vector("field", waves[which], waves[0], waves[-1])

    def chroma_values(self, stride):
        """Chroma of the images at the network's chroma resolution.

        Parameters
        ----------
        stride : int
            Block size of the averaging (the chroma stride of the generator).

        Returns
        -------
        values : `numpy.ndarray`
            ``(n, 2)`` relative chroma (Cb, Cr) / (Y + eps) of the block means.
        weights : `numpy.ndarray`
            ``(n,)`` foreground weights.
        """
        from ..colorspace import (foreground_weight, relative_chroma, rgb_to_chroma,
                                  rgb_to_luma)

        values, weights = [], []
        for img in self.images:
            ny, nx = (s - s % stride for s in img.shape[:2])
            blocks = img[:ny, :nx].reshape(ny // stride, stride, nx // stride, stride, 3)
            mean = blocks.mean(axis=(1, 3))
            luma = rgb_to_luma(mean)[..., None]
            values.append(relative_chroma(rgb_to_chroma(mean), luma).reshape(-1, 2))
            weights.append(foreground_weight(luma).ravel())
        return np.concatenate(values), np.concatenate(weights)
