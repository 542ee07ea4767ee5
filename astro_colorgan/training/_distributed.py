"""Training on several processes: the process group and what the training loop asks of it.

One process per GPU (or several on the CPU), started by ``torchrun``, which
sets the environment variables of `TORCHRUN_VARIABLES`; the processes talk
through NCCL on CUDA and gloo on the CPU. The training loop sees a
`Processes` object whether it runs alone or not: alone, every collective
operation is a no-op, so the single-process loop is unchanged.
"""

import contextlib
import os

import torch
from astropy import log

from ..nets._model import resolve_device

__all__ = ["Processes", "TORCHRUN_VARIABLES", "launched_by_torchrun", "unwrap"]

#: The environment variables that ``torchrun`` sets and `Processes.start` needs.
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def launched_by_torchrun():
    """Whether this process was started by ``torchrun`` (its variables are all set).

    Returns
    -------
    bool
    """
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


class Processes:
    """The training processes as the training loop sees them.

    Build one with `single` (one process, no communication) or `start`
    (one of several processes, after ``torchrun``).

    Attributes
    ----------
    rank, world_size, local_rank : int
        This process's number, the number of processes, and its number on
        this machine (its GPU).
    device : `torch.device`
        Where this process trains.
    distributed : bool
        Whether the process belongs to a process group (even of one).
    """

    def __init__(self, *, rank, world_size, local_rank, device, distributed, owned=False):
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self.device = device
        self.distributed = distributed
        self._owned = owned

    @classmethod
    def single(cls, device):
        """One process on ``device`` (``'auto'``, ``'cpu'``, ``'cuda[:N]'``).

        Returns
        -------
        `Processes`
        """
        return cls(rank=0, world_size=1, local_rank=0, device=resolve_device(device),
                   distributed=False)

    @classmethod
    def start(cls, device):
        """Join the process group of a ``torchrun`` launch (or the one already started).

        Parameters
        ----------
        device : str
            ``'auto'``, ``'cpu'`` or ``'cuda'``: on CUDA each process takes
            the GPU ``cuda:LOCAL_RANK`` and the processes use NCCL; on the CPU
            they use gloo.

        Returns
        -------
        `Processes`

        Raises
        ------
        RuntimeError
            If no process group exists and the ``torchrun`` variables are not
            set, or if ``LOCAL_RANK`` names a GPU that does not exist.
        """
        import torch.distributed as dist

        if not dist.is_available():
            raise RuntimeError("this PyTorch has no torch.distributed")
        owned = not dist.is_initialized()
        if owned and not launched_by_torchrun():
            missing = ", ".join(v for v in TORCHRUN_VARIABLES if v not in os.environ)
            raise RuntimeError(f"distributed training needs the variables that torchrun sets "
                               f"({missing} missing): launch it with 'torchrun "
                               f"--nproc_per_node N -m astro_colorgan.training DATA_DIR -o MODEL'")
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        dev = resolve_device(device)
        if dev.type == "cuda":
            if local_rank >= torch.cuda.device_count():
                raise RuntimeError(f"process with LOCAL_RANK {local_rank} has no GPU: only "
                                   f"{torch.cuda.device_count()} here; start fewer processes")
            dev = torch.device("cuda", local_rank)
            torch.cuda.set_device(dev)
        if owned:
            if dev.type == "cuda":
                dist.init_process_group("nccl", device_id=dev)
            else:
                dist.init_process_group("gloo")
        return cls(rank=dist.get_rank(), world_size=dist.get_world_size(),
                   local_rank=local_rank, device=dev, distributed=True, owned=owned)

    @property
    def is_main(self):
        """Whether this is the process that writes files and logs (rank 0)."""
        return self.rank == 0

    def close(self):
        """Leave the process group if `start` created it."""
        if self._owned:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self._owned = False

    def wrap(self, module):
        """``module`` in `~torch.nn.parallel.DistributedDataParallel`, or itself when alone.

        The gradients are averaged over the processes in the backward pass;
        the module's parameters are copied from rank 0 on wrapping.
        """
        if not self.distributed:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    def mean(self, tensor):
        """The mean of ``tensor`` over the processes (a new tensor, without gradient)."""
        if not self.distributed:
            return tensor.detach()
        import torch.distributed as dist

        total = tensor.detach().clone()
        dist.all_reduce(total)
        return total / self.world_size

    def broadcast_(self, tensor):
        """Overwrite ``tensor`` with rank 0's, in place."""
        if self.distributed:
            import torch.distributed as dist

            dist.broadcast(tensor, src=0)
        return tensor

    def broadcast_object(self, obj):
        """Rank 0's ``obj`` (any picklable object)."""
        if not self.distributed:
            return obj
        import torch.distributed as dist

        holder = [obj]
        dist.broadcast_object_list(holder, src=0)
        return holder[0]

    def barrier(self):
        """Wait until every process has reached this point."""
        if self.distributed:
            import torch.distributed as dist

            if self.device.type == "cuda":
                dist.barrier(device_ids=[self.device.index])
            else:
                dist.barrier()

    @contextlib.contextmanager
    def quiet_unless_main(self):
        """Log only warnings and errors on the processes other than rank 0."""
        if self.is_main:
            yield
            return
        level = log.level
        log.setLevel("WARNING")
        try:
            yield
        finally:
            log.setLevel(level)


def unwrap(module):
    """The module inside a `~torch.nn.parallel.DistributedDataParallel` (or ``module``)."""
    from torch.nn.parallel import DistributedDataParallel

    return module.module if isinstance(module, DistributedDataParallel) else module
