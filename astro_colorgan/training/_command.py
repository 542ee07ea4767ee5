"""The ``train`` command: its options and its run, shared by ``astro-colorize train`` and
``python -m astro_colorgan.training`` (the form ``torchrun`` starts).

Only the standard library is imported before the command runs.
"""

import json
import os

from ._presets import PRESETS

__all__ = ["DESCRIPTION", "add_train_arguments", "run_train"]

#: What the command does, for its ``--help``.
DESCRIPTION = (
    "Train a colorizer on colour images (PNG, JPEG, TIFF, or RGB FITS cubes written by "
    "'astro-colorize stack'). Only the training split is used: an image whose "
    "sha256(file name) starts with a byte below 26 is never trained on."
)


def add_train_arguments(parser):
    """Add the arguments of the ``train`` command to ``parser``.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
        Gets every option of the command and ``func=run_train`` as a default.

    Returns
    -------
    parser : `argparse.ArgumentParser`
    """
    parser.add_argument("data_dir", metavar="DATA_DIR", help="folder of colour images")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL",
                        help="model file to write (.safetensors)")
    parser.add_argument("--preset", default="default", choices=tuple(PRESETS) + ("fusion",),
                        help="training recipe (default: default, the shipped model's); "
                        "fusion: the guided colour's residual network (DetailNet), the "
                        "shipped fusion_model.safetensors")
    parser.add_argument("--epochs", type=int, help="passes over the data (default: the preset's)")
    parser.add_argument("--batch-size", type=int, help="images per step (default: the preset's)")
    parser.add_argument("--crop", type=int, help="training crop in pixels, a multiple of 16")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="where the model trains (default: auto, a GPU if there is one)")
    parser.add_argument("--resume", metavar="CHECKPOINT",
                        help="continue a run from its checkpoint.pt")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--workdir", metavar="DIR",
                        help="folder for checkpoint.pt, losses.csv and losses.png "
                        "(default: MODEL without its suffix, plus '-run')")
    parser.add_argument("--checkpoint-every", type=int, default=1, metavar="N",
                        help="write a checkpoint every N epochs (default: 1)")
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="stop after N steps (smoke runs)")
    parser.add_argument("--simulated", metavar="DIR",
                        help="folder of simulated fields ('astro-colorize simulate') for a "
                        "preset that mixes them in (guided-mix)")
    parser.add_argument("--distributed", action="store_true",
                        help="train as one of several processes started by torchrun "
                        "(NCCL on GPUs, one per process; gloo on the CPU); BATCH_SIZE is "
                        "then shared by the processes, and only rank 0 writes files")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="do not show the progress bar")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.set_defaults(func=run_train)
    return parser


def run_train(args):
    """Run the ``train`` command with parsed arguments ``args``.

    Parameters
    ----------
    args : `argparse.Namespace`
        As `add_train_arguments` defines them.

    Returns
    -------
    status : int
        0 (errors are raised, for the entry point's error policy).
    """
    from astropy import log

    from ._trainer import train

    for name in ("epochs", "batch_size", "crop", "checkpoint_every", "max_steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
    if args.preset == "fusion":
        return _run_fusion(args)
    info = train(args.data_dir, args.output, preset=args.preset, epochs=args.epochs,
                 batch_size=args.batch_size, crop=args.crop, device=args.device,
                 resume=args.resume, seed=args.seed, workdir=args.workdir,
                 checkpoint_every=args.checkpoint_every, overwrite=args.overwrite,
                 progress=args.progress, max_steps=args.max_steps,
                 distributed=args.distributed, simulated=args.simulated)
    if args.distributed and os.environ.get("RANK", "0") != "0":
        return 0  # rank 0 reports
    log.info("trained: " + json.dumps({k: info[k] for k in ("steps", "seconds", "temperature",
                                                              "saturation") if k in info}))
    return 0


def _run_fusion(args):
    """``train --preset fusion``: `~astro_colorgan.training._fusion.train_fusion`."""
    from ._fusion import train_fusion

    for name in ("epochs", "resume", "simulated"):
        if getattr(args, name) is not None:
            raise ValueError(f"--{name} does not apply to --preset fusion")
    if args.distributed:
        raise ValueError("--distributed does not apply to --preset fusion")
    recipe = {k: v for k, v in (("batch_size", args.batch_size), ("crop", args.crop))
              if v is not None}
    train_fusion(args.data_dir, args.output, steps=args.max_steps, seed=args.seed,
                 workdir=args.workdir, recipe=recipe, overwrite=args.overwrite)
    return 0
