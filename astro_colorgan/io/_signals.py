"""SIGTERM as an exception, so that an interrupted write cleans up as it does on Ctrl-C."""

import contextlib
import signal
import threading

__all__ = ["Terminated", "terminate_as_exception"]


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM.

    A subclass of `KeyboardInterrupt`, so that everything that cleans up on
    Ctrl-C (temporary files of the writers, checkpoints of training) does so
    on SIGTERM too.
    """


def _raise_terminated(signum, frame):
    raise Terminated(f"terminated by signal {signum}")


@contextlib.contextmanager
def terminate_as_exception():
    """Within the block, SIGTERM raises `Terminated` in the main thread.

    The previous handler is restored at the end. Outside the main thread, where
    Python cannot install signal handlers, the block runs unchanged.

    Examples
    --------
    >>> with terminate_as_exception():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
