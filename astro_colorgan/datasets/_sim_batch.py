"""Many simulated fields at once, written in a folder-per-field layout."""

import os

import numpy as np
from astropy import log

from ._sim_physics import import_galsim
from ._simulate import _check_filters, _check_size, simulate_field

__all__ = ["simulate_fields"]


def _field_name(index, n):
    return f"field_{index:0{max(4, len(str(n - 1)))}d}"


def _simulate_one(task):
    """Simulate and write field ``index`` (a function of its own for worker processes)."""
    index, folder, seed, filters, options, overwrite = task
    field_ = simulate_field(filters, seed=np.random.SeedSequence(seed, spawn_key=(index,)),
                            **options)
    field_.write(folder, overwrite=overwrite)
    return folder


def simulate_fields(outdir, n, filters, *, size=256, seed=None, overwrite=False, processes=1,
                    pixel_scale=None, mag_limit=None, dust=True, stars=True, noise=True):
    """Simulate ``n`` fields and write them as ``outdir/field_0000/<FILTER>.fits``, ...

    Each field folder holds one FITS image per filter and ``catalog.ecsv``.
    Field ``k`` is ``simulate_field(filters, seed=np.random.SeedSequence(seed,
    spawn_key=(k,)), ...)``, so the first fields of a run do not depend on
    ``n`` or ``processes``.

    Parameters
    ----------
    outdir : str or path-like
        The output folder; created if needed, and it must be empty unless
        ``overwrite=True``.
    n : int
        Number of fields (at least 1).
    filters : list of str
        Filter names (see `simulate_field`).
    size, pixel_scale, mag_limit, dust, stars, noise : optional
        As for `simulate_field`.
    seed : int, optional
        The run's seed; `None` draws a fresh one (recorded in the HISTORY of
        every image).
    overwrite : bool, optional
        Whether to write into a non-empty ``outdir``, replacing fields of the same names.
    processes : int, optional
        Worker processes (fields are independent).

    Returns
    -------
    folders : list of str
        The field folders, in order.

    Raises
    ------
    ValueError
        For an unknown filter, ``n`` < 1, ``size`` < 32 or ``processes`` < 1.
    OSError
        If ``outdir`` is a file, or is not empty and ``overwrite`` is `False`.
        Nothing is created when an error is raised before simulating.
    """
    _check_filters(filters)
    _check_size(size)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"the number of fields must be a positive integer, not {n!r}")
    if isinstance(processes, bool) or not isinstance(processes, (int, np.integer)) \
            or processes < 1:
        raise ValueError(f"processes must be a positive integer, not {processes!r}")
    outdir = os.fspath(outdir)
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise NotADirectoryError(f"{outdir} exists and is not a folder")
    if os.path.isdir(outdir) and os.listdir(outdir) and not overwrite:
        raise FileExistsError(f"{outdir} is not empty; use overwrite=True to "
                              "write into it")
    import_galsim()
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    options = dict(size=size, pixel_scale=pixel_scale, mag_limit=mag_limit, dust=dust,
                   stars=stars, noise=noise)
    tasks = [(k, os.path.join(outdir, _field_name(k, n)), seed, list(filters), options,
              overwrite) for k in range(n)]
    os.makedirs(outdir, exist_ok=True)
    folders = []
    step = max(1, n // 10)
    if processes == 1:
        results = map(_simulate_one, tasks)
    else:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=min(processes, n))
        results = executor.map(_simulate_one, tasks, chunksize=max(1, n // (8 * processes)))
    try:
        for folder in results:
            folders.append(folder)
            if len(folders) % step == 0 or len(folders) == n:
                log.info(f"simulated {len(folders)}/{n} fields")
    finally:
        if processes > 1:
            executor.shutdown(cancel_futures=True)
    return folders
