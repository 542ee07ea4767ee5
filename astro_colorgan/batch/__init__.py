"""Many images at once on Dask: a local cluster sized to the machine, or an existing one."""

from ._inputs import expand_inputs, filter_wavelength
from ._run import BatchReport, default_workers, run_batch

# The other names imported here are shared with the rest of the package; they are
# not part of the public API (not in __all__, not in the API docs).
__all__ = ["BatchReport", "default_workers", "expand_inputs", "run_batch"]
