"""Signals: SIGTERM as an exception (an interrupted write cleans up as on Ctrl-C), and
signals held for steps that must not be cut in two."""

import contextlib
import signal
import threading

__all__ = ["Terminated", "signals_held", "terminate_as_exception"]


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
    with _in_main_thread(lambda: signal.signal(signal.SIGTERM, _raise_terminated),
                         lambda previous: signal.signal(signal.SIGTERM, previous)):
        yield


@contextlib.contextmanager
def signals_held():
    """Within the block, SIGINT and SIGTERM wait; they arrive at its end.

    For a few steps that must not be cut in two (renaming a command's outputs
    into place). Outside the main thread, or without ``pthread_sigmask``, the
    block runs unchanged.

    Examples
    --------
    >>> with signals_held():
    ...     pass
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    with _in_main_thread(lambda: signal.pthread_sigmask(signal.SIG_BLOCK, held),
                         lambda previous: signal.pthread_sigmask(signal.SIG_SETMASK, previous)):
        yield


@contextlib.contextmanager
def _in_main_thread(change, restore):
    """``previous = change()`` for the block and ``restore(previous)`` after it, in the main
    thread only (where Python handles signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = change()
    try:
        yield
    finally:
        restore(previous)
