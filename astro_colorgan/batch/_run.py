"""Running a batch on a Dask cluster: submission, progress, failures, exit status."""

import contextlib
import os
import uuid
from dataclasses import dataclass

from ..io import check_output_path
from ..io._files import remove_stale_temporaries
from ..io._files import check_not_inputs
from ._inputs import expand_inputs
from ._jobs import JobSettings, run_job, split_colorize_options

__all__ = ["BatchReport", "run_batch", "default_workers"]


@dataclass
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    results : list of dict
        One per job, in input order: ``name``, ``sources``, ``output``,
        ``error`` (None on success, else a one-line reason) and ``note``.
    """

    results: list

    @property
    def failed(self):
        """The results of the jobs that failed."""
        return [r for r in self.results if r["error"] is not None]

    @property
    def succeeded(self):
        """The results of the jobs whose output was written."""
        return [r for r in self.results if r["error"] is None]

    @property
    def exit_status(self):
        """0 when every job succeeded, 1 when some failed."""
        return 1 if self.failed else 0

    def summary(self):
        """Lines for the user: counts, then each failure with its reason."""
        lines = [f"{len(self.succeeded)} of {len(self.results)} done, "
                 f"{len(self.failed)} failed"]
        lines += [f"failed: {' '.join(r['sources'])}: {r['error']}" for r in self.failed]
        return lines


def default_workers():
    """Worker processes of the default local cluster: one per CPU core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(inputs, out_dir, *, mode="colorize", model=None, workers=None, scheduler=None,
              client=None, overwrite=False, device="auto", progress=True, timeout=10,
              colorize_options=None, stack_options=None):
    """Colorize many images on a Dask cluster, each input once, each output whole.

    By default a `dask.distributed.LocalCluster` of ``workers`` single-threaded
    worker processes runs the jobs; ``scheduler`` submits them to an existing
    cluster instead (whose workers must have astro_colorgan and see the
    files), and ``client`` uses a client you already hold. Each worker
    process loads the model once. Outputs are written through a temporary
    file renamed at the end, so that a worker killed mid-job leaves no
    partial file; Dask runs the job again elsewhere.

    Parameters
    ----------
    inputs : str or list of str
        Glob patterns and list files (see `expand_inputs`).
    out_dir : str or path-like
        Folder for the outputs ``NAME.fits`` (created if missing).
    mode : {'colorize', 'stack-then-colorize'}
        Colorize each single-band image; or stack each group of filter images
        (`~astro_colorgan.stack`) and colorize the composite's luminance.
    model : str or path-like, optional
        Model file (default: the shipped model).
    workers : int, optional
        Worker processes of the local cluster (default: one per CPU core).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``'tcp://10.0.0.1:8786'``.
    client : `dask.distributed.Client`, optional
        A client to submit to (takes precedence over ``scheduler``).
    overwrite : bool
        Replace existing outputs; otherwise inputs whose output exists are
        reported as failed and not run.
    device : str
        Where workers run the model: ``'auto'`` (default: a GPU where there is one),
        ``'cpu'`` or ``'cuda'``.
    progress : bool
        Show a progress bar of files done.
    timeout : float
        Seconds to wait for a scheduler.
    colorize_options : dict, optional
        Keyword arguments of `~astro_colorgan.Colorizer` (stretch, Q, tile,
        overlap, tta, ...), and ``hdu`` and ``plane`` of
        `~astro_colorgan.Colorizer.colorize_file`. ``stretch`` applies to the
        ``colorize`` mode only: a stacked composite is display-scaled already.
    stack_options : dict, optional
        Keyword arguments of `~astro_colorgan.stack` (stack-then-colorize).

    Returns
    -------
    report : `BatchReport`

    Raises
    ------
    ValueError
        If no input matches, two inputs share an output name, an output would
        replace an input (whatever ``overwrite`` says), the model is not a
        colorizer model, or a colorize option is invalid.
    OSError
        If the output folder cannot be written, the model is missing or the
        scheduler cannot be reached.
    """
    from ..colorize import DEFAULT_MODEL, Colorizer
    from ..nets._model import resolve_device

    # every option is checked before any folder, cluster or model is touched
    _check_options(mode, workers, timeout, dict(colorize_options or {}),
                   dict(stack_options or {}))
    resolve_device(device)
    jobs = expand_inputs(inputs, mode=mode)
    out_dir = os.fspath(out_dir)
    outputs = [os.path.join(out_dir, f"{job.name}.fits") for job in jobs]
    check_not_inputs(outputs, [job.sources for job in jobs])
    if os.path.exists(out_dir):
        if not os.path.isdir(out_dir):
            raise NotADirectoryError(f"Output folder is not a folder: {out_dir}")
        check_output_path(outputs[0], overwrite=True)  # the folder accepts new files
    else:
        check_output_path(out_dir)  # it can be created
    model = os.path.abspath(os.fspath(model if model is not None else DEFAULT_MODEL))
    # a bad model or option is one error now, not one per file later
    Colorizer(model, device="cpu", **split_colorize_options(colorize_options or {})[0])
    settings = JobSettings(mode=mode, model=model, device=device, overwrite=overwrite,
                           colorize=dict(colorize_options or {}),
                           stack=dict(stack_options or {}))
    results = [{"name": job.name, "sources": job.sources, "output": output, "error": None,
                "note": ""} for job, output in zip(jobs, outputs)]
    todo = []
    for index, output in enumerate(outputs):
        if os.path.lexists(output) and not overwrite:
            results[index]["error"] = (f"File {output} already exists; use --overwrite "
                                       "(overwrite=True) to replace it")
        else:
            todo.append(index)
    if todo:
        with _connect(client, scheduler, workers, timeout, settings) as (dask_client, settings):
            os.makedirs(out_dir, exist_ok=True)
            _run(dask_client, jobs, outputs, todo, settings, results, progress)
    for index in todo:  # what workers killed mid-write left behind
        remove_stale_temporaries(outputs[index])
    return BatchReport(results)


def _check_options(mode, workers, timeout, colorize_options, stack_options):
    """Refuse options that would fail every job, before anything starts."""
    import math

    from ..colorize._tiling import check_tiling
    from ..composite import SkyPercentileInterval
    from ..composite._stretch import resolve_stretch
    from ._inputs import MODES
    from ._jobs import CALL_OPTIONS

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    _check_names(colorize_options, _keywords("colorize") + CALL_OPTIONS, "colorize_options")
    _check_names(stack_options, _keywords("stack"), "stack_options")
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers
                                or workers < 1):
        raise ValueError(f"workers must be a whole number of at least 1, not {workers}")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    check_tiling(colorize_options.get("tile", 1024), colorize_options.get("overlap", 64))
    stretch = colorize_options.get("stretch", "auto")
    Q = colorize_options.get("Q", 8.0)
    if isinstance(stretch, str) and stretch != "auto":
        resolve_stretch(stretch, Q=Q)
    elif stretch == "auto":
        resolve_stretch("asinh", Q=Q)
    stack_Q = stack_options.get("Q", 8.0)
    stretches = stack_options.get("stretch", "asinh")
    for item in stretches if isinstance(stretches, (list, tuple)) else [stretches]:
        resolve_stretch(item, Q=stack_Q)
    interval = stack_options.get("interval")
    if interval is not None and not isinstance(interval, SkyPercentileInterval):
        from ..composite._stretch import check_interval

        check_interval(interval)


def _keywords(what):
    """The keyword options a batch may pass on: to `~astro_colorgan.Colorizer` (those
    the batch sets itself aside) or to `~astro_colorgan.stack` (all but its inputs)."""
    import inspect

    from ..colorize import Colorizer
    from ..composite import stack

    if what == "colorize":
        names = inspect.signature(Colorizer).parameters
        return tuple(n for n in names if n not in ("model", "device"))
    return tuple(n for n in inspect.signature(stack).parameters if n != "filters")


def _check_names(options, allowed, what):
    """Refuse an option name that no job could use (a typo fails here, not on a worker)."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; use "
                         f"{', '.join(allowed)}")


@contextlib.contextmanager
def _connect(client, scheduler, workers, timeout, settings):
    """Yield a Dask client (and the settings adapted to its cluster)."""
    import dataclasses

    from dask.distributed import Client, LocalCluster

    if client is not None:
        yield client, settings
        return
    if scheduler is not None:
        try:
            remote = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise OSError(f"cannot reach the Dask scheduler at {scheduler}: "
                          f"{' '.join(str(exc).split())}") from None
        with remote:
            yield remote, settings
        return
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    # single-threaded workers; torch gets the cores that are left to each. The
    # HTTP server takes a free port (":0"), never one a running cluster holds
    threads = max(1, default_workers() // workers)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as local:
        yield local, dataclasses.replace(settings, threads=threads)


def _run(client, jobs, outputs, todo, settings, results, progress):
    from dask.distributed import as_completed
    from tqdm import tqdm

    token = uuid.uuid4().hex[:8]
    futures = {}
    for index in todo:
        future = client.submit(run_job, jobs[index].sources, outputs[index], settings,
                               pure=False, key=f"astro-colorize-{token}-{index}")
        futures[future] = index
    with tqdm(total=len(todo), unit="file", disable=not progress, desc="batch") as bar:
        for future in as_completed(list(futures), loop=client.loop):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the job's worker died too often, or similar
                outcome = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                           "note": ""}
            results[index].update(error=outcome["error"], note=outcome.get("note", ""))
            bar.update(1)
