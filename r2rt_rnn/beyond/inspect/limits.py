"""A time limit for work that never returns to Python on its own: matching a regular expression.

Python's ``re`` runs a match in C and may take exponential time (``(a+)+$`` against
``aaa...ab``), with no point where a Ctrl-C request could be honoured. It does let
signal handlers run every few thousand steps, so :func:`time_limit` sets an interval
timer whose handler, a few times a second, raises :class:`TooSlow` once the time is up
and, under the command line's Ctrl-C handling, honours a pending Ctrl-C
(:func:`r2rt_rnn.runtime.interrupts.check`). Outside the main thread (where no handler can be
set) the block runs unbounded.
"""
import contextlib
import signal
import threading
import time

from ...runtime import interrupts

TICK = 0.1  # seconds between two looks at the clock and at Ctrl-C


class TooSlow(Exception):
    """The block of :func:`time_limit` ran out of time."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`TooSlow` inside the block once it has run ``seconds``; honour Ctrl-C meanwhile."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    deadline = time.monotonic() + seconds

    def tick(signum, frame):
        interrupts.check()
        if time.monotonic() > deadline:
            raise TooSlow

    previous = signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
