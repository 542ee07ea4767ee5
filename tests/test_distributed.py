"""Training on two CPU processes (torchrun, gloo) against one process with the same batch.

Run as a script by ``torchrun``, this file is also the worker of those processes
(see ``_worker`` at the bottom).
"""

import os
import subprocess
import sys

import pytest
import torch

import astro_colorgan
from astro_colorgan.training import _trainer, train
from astro_colorgan.training._distributed import TORCHRUN_VARIABLES, Processes

from _runs import read_losses

# the recipe of both runs: the GAN preset (generator, discriminator, weighted losses)
RECIPE = {"preset": "default", "epochs": 2, "batch_size": 4, "crop": 64, "max_steps": 3,
          "seed": 1}
CLI_ARGS = ["--preset", "default", "--epochs", "2", "--batch-size", "4", "--crop", "64",
            "--max-steps", "3", "--seed", "1", "--no-progress"]


def _save_built(built, path):
    model, disc = built[0]
    torch.save({"model": model.cpu().state_dict(), "disc": disc.cpu().state_dict()}, path)


def _capturing_build(built):
    original = _trainer.build_networks

    def build(*args, **kwargs):
        built.append(original(*args, **kwargs))
        return built[-1]

    return build


def _info(checkpoint):
    import json

    return json.loads(checkpoint["info"])


@pytest.mark.slow
def test_two_processes_train_the_single_process_model(toy_images, tmp_path, monkeypatch):
    # two processes, each with half of every batch of 4, launched as the docs say
    two = tmp_path / "two"
    two.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS="1",  # else torchrun warns that it sets it
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(
                   astro_colorgan.__file__)), os.path.dirname(__file__),
                   os.environ.get("PYTHONPATH", "")]))
    for name in TORCHRUN_VARIABLES:
        env.pop(name, None)
    # --standalone: the rendezvous takes a free port on localhost
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         __file__, str(toy_images), str(two / "model.safetensors"), *CLI_ARGS],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # warnings are shown, not raised, in the command line: none may appear
    assert "Warning" not in done.stderr, done.stderr[-3000:]

    # the same global batch on one process
    one = tmp_path / "one"
    one.mkdir()
    built = []
    monkeypatch.setattr(_trainer, "build_networks", _capturing_build(built))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        info = train(toy_images, one / "model.safetensors", progress=False, **RECIPE)
    finally:
        torch.set_num_threads(threads)
    _save_built(built, one / "state.pt")

    # only rank 0 wrote files: one model, one checkpoint, one loss log
    assert sorted(os.listdir(two)) == ["model-run", "model.safetensors", "rank0.pt", "rank1.pt"]
    assert sorted(os.listdir(two / "model-run")) == ["checkpoint.pt", "losses.csv", "losses.png"]
    state = torch.load(two / "model-run" / "checkpoint.pt", weights_only=True)
    assert _info(state)["processes"] == 2 and _info(state)["steps"] == info["steps"] == 3

    # (a) the processes hold the same weights, bit for bit
    rank0 = torch.load(two / "rank0.pt", weights_only=True)
    rank1 = torch.load(two / "rank1.pt", weights_only=True)
    for part in ("model", "disc"):
        for name, value in rank0[part].items():
            assert torch.equal(value, rank1[part][name]), f"{part} {name}"
    assert all(torch.equal(v, rank0["model"][k]) for k, v in state["model"].items())

    # (b) ... and those of one process with the same batch, but for the order of the
    # floating-point sums. Adam's first steps move each weight by about lr * sign(gradient),
    # so a weight whose gradient is at the rounding level may move differently (by up to
    # lr = 5e-4): a few elements do, as between one and two threads of the same process;
    # the weights as a whole agree to ~2e-6 (with each process normalising its losses by
    # its own share's foreground weight instead of the batch's, they were 4e-3 apart).
    reference = torch.load(one / "state.pt", weights_only=True)
    for part in ("model", "disc"):
        diff = total = 0.0
        for name, value in rank0[part].items():
            ref = reference[part][name].double()
            err = (value.double() - ref).norm()
            assert err <= 1e-4 * ref.norm() + 1e-7, f"{part} {name}"
            diff, total = diff + err ** 2, total + ref.norm() ** 2
        assert diff ** 0.5 <= 1e-5 * total ** 0.5, part
    # the logged losses are those of the whole batch
    for a, b in zip(read_losses(two / "model-run"), read_losses(one / "model-run"), strict=True):
        for column in ("loss_g", "loss_ce", "loss_l1", "loss_adv", "loss_d"):
            assert float(a[column]) == pytest.approx(float(b[column]), rel=1e-3), column


def test_batch_must_be_shared_evenly(toy_images, tmp_path):
    procs = Processes(rank=0, world_size=2, local_rank=0, device=torch.device("cpu"),
                      distributed=True)
    kwargs = {k: v for k, v in RECIPE.items() if k != "batch_size"}
    with pytest.raises(ValueError, match="cannot be shared evenly by 2 processes"):
        _trainer._train(procs, toy_images, tmp_path / "m.safetensors", batch_size=5, resume=None,
                        workdir=None, checkpoint_every=1, overwrite=False, progress=False,
                        simulated=None, **kwargs)


def test_distributed_needs_torchrun(toy_images, tmp_path, monkeypatch):
    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="torchrun --nproc_per_node N"):
        train(toy_images, tmp_path / "m.safetensors", distributed=True, progress=False)
    assert not os.listdir(tmp_path)


def test_module_entry_point_implies_distributed_under_torchrun(monkeypatch):
    from astro_colorgan.training import _command
    from astro_colorgan.training.__main__ import main

    seen = []
    monkeypatch.setattr(_command, "run_train", lambda args: seen.append(args) or 0)
    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert main(["DATA", "-o", "m.safetensors"]) == 0
    for name in TORCHRUN_VARIABLES:
        monkeypatch.setenv(name, "0")
    assert main(["DATA", "-o", "m.safetensors"]) == 0
    assert [(args.data_dir, args.output, args.distributed) for args in seen] == [
        ("DATA", "m.safetensors", False), ("DATA", "m.safetensors", True)]
    assert main(["DATA", "-o", "m.safetensors", "--epochs", "x"]) == 2


def _worker(args):
    """One of the torchrun processes: ``python -m astro_colorgan.training`` plus a record
    of its final weights (``rank<N>.pt`` beside the model)."""
    from astro_colorgan.training.__main__ import main

    built = []
    _trainer.build_networks = _capturing_build(built)
    torch.set_num_threads(1)
    status = main(args)
    if status == 0:
        folder = os.path.dirname(os.path.abspath(args[2]))
        _save_built(built, os.path.join(folder, f"rank{os.environ['RANK']}.pt"))
    return status


if __name__ == "__main__":
    data_dir, output, *options = sys.argv[1:]
    sys.exit(_worker([data_dir, "-o", output, *options]))
