"""Many images at once on Dask: a local cluster sized to the machine, or an existing one."""

from ._inputs import BatchJob, expand_inputs, filter_wavelength
from ._run import BatchReport, default_workers, run_batch

__all__ = ["BatchJob", "BatchReport", "default_workers", "expand_inputs", "filter_wavelength",
           "run_batch"]
