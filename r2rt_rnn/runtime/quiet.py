"""Quieting TensorFlow, as a call: :func:`quiet` (``r2rt_rnn.quiet()``).

Importing the package changes nothing but graph mode (:mod:`r2rt_rnn.tf1`). TensorFlow
left alone prints start-up lines on stderr (oneDNN, CUDA, CPU features), a
"failed call to cuInit" line on every machine without a GPU, and deprecation warnings
for the legacy ``rnn_cell`` classes on every construction. The command line, the
notebooks and the tests hide them by calling :func:`quiet` first::

    import r2rt_rnn
    r2rt_rnn.quiet()
"""
import contextlib
import logging
import os
import sys
import warnings

from . import interrupts, machine

# TensorFlow's own Python warnings (deprecations, Keras notes), wherever in its packages they are raised.
TENSORFLOW_MODULES = r"(tensorflow|tf_keras|keras)(\.|$)"
# The legacy rnn_cell classes warn "`tf.nn.rnn_cell.GRUCell` is deprecated and will be removed ..." on every
# construction, attributed to the module that constructs them (the package's builders, or a notebook's cell);
# using them is this package's point. Matched by category and message, since the callers are many.
LEGACY_CELLS = r"`tf\.nn\.rnn_cell\.\w+` is deprecated and will be removed"


def quiet():
    """Hide TensorFlow's start-up lines, log messages below ERROR and its deprecation warnings; returns None.

    Call it first, before anything imports TensorFlow: then it sets ``TF_CPP_MIN_LOG_LEVEL=2``
    (C++ logging: no INFO, no WARNING; real errors stay visible) and loads TensorFlow itself
    (:mod:`r2rt_rnn.tf1`) and looks for GPUs with file descriptor 2 silenced, since some of
    those lines ignore the variable. Called later, it still sets the warning filters and the
    loggers' levels (the start-up lines will have been printed). It can be called again: it
    changes nothing more. Do not set ``TF_ENABLE_ONEDNN_OPTS=0`` to hide oneDNN's line: it
    makes CPU training about 1.9x slower.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # read by TensorFlow once, when it loads
    if "r2rt_rnn.tf1" not in sys.modules or not machine.gpus.cache_info().currsize:
        with native_stderr_silenced():
            from .. import tf1  # noqa: F401 - loads TensorFlow and the legacy Keras now, while fd 2 is quiet

            # TensorFlow looks for CUDA at its first look for devices (a Session, a device list) and says
            # "failed call to cuInit" at ERROR level where there is none: look now, while nobody hears.
            machine.gpus()
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=TENSORFLOW_MODULES)
    warnings.filterwarnings("ignore", category=UserWarning, module=TENSORFLOW_MODULES)
    warnings.filterwarnings("ignore", category=UserWarning, message=LEGACY_CELLS)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # tf.compat.v1.logging's "... is deprecated" notes
    import absl.logging  # TensorFlow's dependency, loaded with it

    absl.logging.set_verbosity(absl.logging.ERROR)


@contextlib.contextmanager
def native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for the block (TensorFlow's C++ libraries loading, a first run).

    TF 2.21 logs through absl before absl is initialised ("All log messages before
    absl::InitializeLog() ..."), which ignores TF_CPP_MIN_LOG_LEVEL; only the file
    descriptor can be quieted. Python exceptions are unaffected: they are printed
    after the descriptor is restored. A second Ctrl-C meanwhile still says its line
    (:func:`r2rt_rnn.runtime.interrupts.messages_to`).
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real descriptor (embedded interpreters, 2>&-)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with interrupts.messages_to(saved):
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
