"""Training recipes ("presets")."""

from dataclasses import asdict, dataclass, replace

__all__ = ["Preset", "PRESETS", "get_preset"]

#: Length of the ``guided`` recipe, in epochs.
GUIDED_EPOCHS = 30


@dataclass(frozen=True)
class Preset:
    """A training recipe.

    Attributes
    ----------
    name : str
        Preset name.
    head : {'classify', 'regress'}
        Generator head.
    loss : {'gan', 'l1', 'l2rgb'}
        ``gan``: rebalanced cross-entropy over chroma bins + L1 on the decoded
        chroma + least-squares conditional PatchGAN; ``l1``: L1 on chroma only;
        ``l2rgb``: mean squared error on RGB (the seed paper's).
    width : int
        Generator width.
    epochs, batch_size, crop : int
        Passes over the data, images per step, training crop size (px).
    max_side : int
        Images are first shrunk so that the longest side is at most this
        (the evaluation protocol works at 256).
    scale_jitter : tuple of float
        Range of random rescaling before cropping.
    gamma_jitter : tuple of float
        Range of the random display stretch ``rgb ** gamma``.
    augment : bool
        Random rotations/flips (all 8; the sky has no up).
    lr, lr_d : float
        Adam learning rates of the generator and discriminator (cosine decay).
    betas : tuple of float
        Adam betas.
    lambda_ce, lambda_l1, lambda_adv : float
        Loss weights (``gan`` loss).
    hints : bool
        Train a guided model: the generator also sees measured colour in
        random modes (none, a coarse colour frame, two filters of three; see
        ``guided_input``).
    users_path : float
        Fraction of the crops whose luma is made linear, with sky and noise,
        and put through the colorizer's default display scaling (what
        ``colorize`` does to FITS data) instead of being given as it is.
    clean_frames : float
        Of the coarse colour frames drawn in guided training, the fraction
        that are plain block means (no blur, no noise), like the deep survey
        frames of the evaluation's ``lrgb`` modes.
    frame_noise : float
        Largest standard deviation of the noise of the other colour frames
        (display units, drawn log-uniformly from 0.001).
    simulated : float
        Fraction of the training images that are simulated fields
        (`~astro_colorgan.datasets.simulate_fields`, their truth composites),
        mixed in from the folder given to `~astro_colorgan.training.train`.
    init : str, optional
        Start from the weights of a trained model: a model file,
        ``'single-band'`` for the single-band model shipped with the package
        (`~astro_colorgan.colorize.SINGLE_BAND_MODEL`), ``'guided-mix'`` for
        the guided model without subject planes
        (`~astro_colorgan.colorize.GUIDED_MIX_MODEL`), or ``'default'`` for
        the shipped default (`~astro_colorgan.colorize.DEFAULT_MODEL`). Its
        chroma bins are kept.
    subjects : bool
        Tell the generator what each image is (a photograph, or a survey
        field and the wavelengths of its filters; ``SUBJECT_CHANNELS``);
        fields are then always given as their own data, one filter at random
        through the default display scaling.
    bfloat16 : bool
        Train under bfloat16 autocast on the CPU as well (it is always used
        on CUDA): about 1.5x as fast on CPUs with AVX-512 BF16, and still
        deterministic for a fixed seed on a given machine.
    rebalance_mix : float
        Zhang et al.'s λ: the weight of the uniform distribution mixed into the
        chroma prior before it is inverted into class weights (1: no
        rebalancing, 0.5: their value, 0: full inverse frequency).
    drop_grey : bool
        Leave out training images without colour.
    validation : bool
        Hold out the validation split to choose the decoding temperature.
    temperature : float
        Decoding temperature used in training and kept if no validation is done.

    Notes
    -----
    The ``default`` recipe (3 M-parameter generator, 192-px crops, batch 8,
    300 epochs of the ~410 coloured training images, about 15300 steps) was
    chosen on the validation split, never the test split.
    """

    name: str
    head: str = "classify"
    loss: str = "gan"
    width: int = 24
    epochs: int = 300
    batch_size: int = 8
    crop: int = 192
    max_side: int = 256
    scale_jitter: tuple = (0.8, 1.25)
    gamma_jitter: tuple = (0.7, 1.4)
    augment: bool = True
    lr: float = 5e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    lambda_ce: float = 1.0
    lambda_l1: float = 5.0
    lambda_adv: float = 0.1
    hints: bool = False
    users_path: float = 0.0
    clean_frames: float = 0.0
    frame_noise: float = 0.04
    simulated: float = 0.0
    init: str = None
    subjects: bool = False
    bfloat16: bool = False
    rebalance_mix: float = 1.0
    drop_grey: bool = True
    validation: bool = True
    temperature: float = 0.5

    def as_dict(self):
        """The recipe as a JSON-serialisable dict."""
        return asdict(self)


PRESETS = {
    "default": Preset(name="default"),
    # the seed paper's recipe: 120 px whole images (128 here, the nearest size our
    # U-Net takes), batch 64, 150 epochs, Adam 5e-4, L2 on RGB, no adversary
    "seed-paper": Preset(name="seed-paper", head="regress", loss="l2rgb", epochs=150,
                         batch_size=64, crop=128, max_side=128, scale_jitter=(1.0, 1.0),
                         augment=False, gamma_jitter=(1.0, 1.0), lr=5e-4, betas=(0.9, 0.999),
                         drop_grey=False,
                         validation=False),
    # the default generator body regressing chroma with L1 alone (no adversarial term)
    "l1-only": Preset(name="l1-only", head="regress", loss="l1", betas=(0.9, 0.999),
                      validation=False),
    # the guided colorizer (the shipped default): the single-band model with hint planes
    # and a gate of measured colour added, trained in every hint mode at a lower rate,
    # half of the crops through the users' path (linear data, the default display scaling)
    # half of the coarse colour frames clean block means, the others at most 0.02 noisy
    "guided": Preset(name="guided", hints=True, users_path=0.5, init="single-band",
                     epochs=GUIDED_EPOCHS, lr=1e-4, clean_frames=0.5, frame_noise=0.02),
}
# the guided recipe with 40 % of its images simulated fields, in as many steps
# (18 epochs of 5/3 as many images: each photograph is seen 18 times instead of 30)
PRESETS["guided-mix"] = replace(PRESETS["guided"], name="guided-mix", simulated=0.4,
                                epochs=round(GUIDED_EPOCHS * 0.6))

# the subject-conditioned guided model (the shipped default): the guided-mix model
# told what each image is, fine-tuned on photographs and simulated ACS fields in
# several filter sets
PRESETS["subjects"] = replace(PRESETS["guided-mix"], name="subjects", subjects=True,
                              init="guided-mix", epochs=12)


def get_preset(name, **overrides):
    """A preset by name, with some fields replaced.

    Parameters
    ----------
    name : str or `Preset`
        One of ``PRESETS``, or a recipe of one's own.
    **overrides
        Fields to replace (``None`` values are ignored).

    Returns
    -------
    `Preset`
    """
    if isinstance(name, Preset):
        base = name
    elif name in PRESETS:
        base = PRESETS[name]
    else:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})
