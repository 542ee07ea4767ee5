"""Many images at once on Dask: a local cluster sized to the machine, or an existing one."""

from ._inputs import expand_inputs
from ._run import BatchReport, default_workers, run_batch

__all__ = ["BatchReport", "default_workers", "expand_inputs", "run_batch"]
