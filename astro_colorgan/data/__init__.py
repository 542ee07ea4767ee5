"""Sample data shipped with the package."""

import os

__all__ = ["get_sample_path", "SAMPLES"]

#: the sample files: three filters of one field (blue to red) and one single-band image
SAMPLES = ("sample_g.fits", "sample_r.fits", "sample_i.fits", "sample_single.fits")


def get_sample_path(name):
    """Return the path of a sample file shipped with the package.

    Parameters
    ----------
    name : str
        One of ``'sample_g.fits'``, ``'sample_r.fits'``, ``'sample_i.fits'``
        (one galaxy field in three filters, each on its own pixel grid) and
        ``'sample_single.fits'`` (one band of another field); the ``.fits``
        may be left out.

    Returns
    -------
    path : str
        The absolute path of the file.

    Examples
    --------
    >>> import os
    >>> os.path.basename(get_sample_path("sample_g"))
    'sample_g.fits'
    """
    filename = name if name.endswith(".fits") else f"{name}.fits"
    if filename not in SAMPLES:
        raise ValueError(f"no sample named {name!r}; choose one of {', '.join(SAMPLES)}")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
