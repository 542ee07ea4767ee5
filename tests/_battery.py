"""The one checker of the bad-input battery: a refusal is one typed line and writes nothing.

Every bad-input test (``test_bad_inputs.py``, ``test_bad_inputs_slow.py``) goes
through `refused_by_cli` (the command line run in this process: exit status 2,
exactly one line ``astro-colorize: error: ...`` on standard error, no traceback)
or `refused_by_api` (the exception type, a one-line message); both check that
no file appeared or changed in the folders watched.
"""

import hashlib
import os
import re

import pytest

__all__ = ["expand", "refused_by_api", "refused_by_cli", "snapshot"]


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def snapshot(*folders):
    """Every file (hidden ones too) under ``folders``: path to sha256 of its bytes."""
    found = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                path = os.path.join(root, name)
                found[path] = (hashlib.sha256(_read(path)).hexdigest()
                               if os.path.isfile(path) else "folder")
    return found


def expand(arguments, paths, folder):
    """Arguments with ``{key}`` replaced by ``paths[key]`` and ``@name`` by a file of ``folder``."""
    def one(item):
        if item.startswith("@"):
            return os.path.join(folder, item[1:])
        return re.sub(r"\{(\w+)\}", lambda m: paths[m[1]], item)

    return [one(item) for item in arguments]


def _check_line(line, pattern, forbidden):
    assert "\n" not in line.strip(), line
    assert re.search(pattern, line), line
    assert forbidden is None or not re.search(forbidden, line), line


def refused_by_cli(capsys, argv, pattern, forbidden=None, folders=()):
    """Run ``astro-colorize argv`` in this process and check its one-line refusal."""
    from astro_colorgan.cli.main import main

    before = snapshot(*folders)
    status = main(argv)
    captured = capsys.readouterr()
    err = captured.err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("astro-colorize: error: "), err
    _check_line(lines[0], pattern, forbidden)
    assert "Traceback" not in err + captured.out
    assert snapshot(*folders) == before  # nothing new, nothing changed, no temporary left
    return lines[0]


def refused_by_api(call, error, pattern, forbidden=None, folders=()):
    """Call ``call()`` and check that it raises ``error`` with a one-line message."""
    before = snapshot(*folders)
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    _check_line(message, pattern, forbidden)
    assert snapshot(*folders) == before
    return message
