"""Ctrl-C as a request that the program honours at its next safe point.

Python's default SIGINT handler raises KeyboardInterrupt wherever the main thread
happens to be. Inside TensorFlow that can be a weakref callback or a destructor,
where the exception is printed as "Exception ignored in ..." and then *lost* (the
command runs on to the end), or a half-built native object (seen as a segfault).

The command line therefore installs :func:`install`: the handler only records the
request, and the code raises KeyboardInterrupt itself at points where that is safe
(:func:`check`): between set-up phases, after every training batch, every sampled
chunk, every traced chunk. A second Ctrl-C, for anything slow between two checks,
stops the process at once with one line (checkpoints are written so that a stop
at any instant leaves the last complete one usable).

Library callers (a notebook, a script) keep Python's default behaviour: nothing is
installed, and :func:`check` only sees requests made while :func:`deferred` held
them.
"""
import contextlib
import os
import signal
import threading

_requests = 0  # Ctrl-Cs received
_raised = 0  # of those, how many check() has turned into KeyboardInterrupt
_installed = False
_deferring = 0

AGAIN = (b"\nerror: interrupted again (Ctrl-C twice): stopped at once; any checkpoint on disk is the last "
         b"complete one\n")


_message_fd = 2  # where the one line goes: stderr, or its real target while TensorFlow's loading silences fd 2


@contextlib.contextmanager
def messages_to(fd):
    """Send the line of a second Ctrl-C to ``fd`` for the block (the real stderr while fd 2 is silenced)."""
    global _message_fd
    previous, _message_fd = _message_fd, fd
    try:
        yield
    finally:
        _message_fd = previous


def _stop_now():
    with contextlib.suppress(OSError):
        os.write(_message_fd, AGAIN)
    os._exit(2)


def _request(signum, frame):
    global _requests
    _requests += 1
    if _installed and _requests > 1 and not _deferring:
        _stop_now()


def install():
    """Make Ctrl-C a request honoured at the next :func:`check` (main thread; the command line calls this)."""
    global _installed
    signal.signal(signal.SIGINT, _request)
    _installed = True


def uninstall(handler=signal.SIG_DFL):
    """Put ``handler`` back (in-process callers of the command line, such as tests) and forget any request."""
    global _installed, _requests, _raised
    signal.signal(signal.SIGINT, handler)
    _installed, _requests, _raised = False, 0, 0


def raised():
    """True once :func:`check` has turned a Ctrl-C into KeyboardInterrupt."""
    return _raised > 0


def pending():
    """True once Ctrl-C has arrived under :func:`install` (the command then ends by reporting it)."""
    return _requests > 0


def check():
    """Raise KeyboardInterrupt if a Ctrl-C arrived since the last one raised; call between units of work."""
    global _raised
    if _requests > _raised:
        _raised = _requests
        raise KeyboardInterrupt


@contextlib.contextmanager
def deferred():
    """Hold a Ctrl-C that arrives inside the block until the (outermost) block ends, then raise it.

    For the few steps that must finish once started (recording an epoch and writing
    its checkpoint). Without :func:`install` the default handler is swapped out for
    the block's duration (main thread only). Under :func:`install`, a second Ctrl-C
    held here stops the process as soon as the block is done.
    """
    global _deferring
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = None if _installed or _deferring else signal.signal(signal.SIGINT, _request)
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if _deferring:
        return  # an inner block: the outermost one acts on what arrived
    if _installed and _requests > 1:
        _stop_now()
    check()  # not in `finally`: an exception from the block itself goes first
